"""The personal-data guard: NIK in any spelling, phone numbers, e-mail addresses."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import (
    PERSONAL_DATA_MAX_CHARS,
    mask_nik,
    redact,
    redact_nik,
    redact_personal_data,
    safe_prefix,
)
from tests.support.privacy import NIK, SEPARATORS, ZEROS, ascii_digits, prose, written_niks

# Other numbers (in ASCII) that may stand right next to a NIK.
numbers = st.lists(
    st.one_of(
        st.sampled_from(["0812-3456-7890", "081234567890", "17-08-2026", "SSCN-2026-00042"]),
        st.text("0123456789", min_size=1, max_size=6),
    ),
    max_size=3,
).map(" ".join)


@pytest.mark.parametrize(
    "text",
    [
        NIK,
        f"nik saya {NIK} tidak valid",
        f"NIK:{NIK}!",
        "3201 2345 6789 0123",
        "3201.2345.6789.0123",
        "3174 - 0123 - 4567 - 8921",
        "3174  0123  4567  8921",
        "3174/0123/4567/8921",
        "3174,0123,4567,8921",
        "3174_0123_4567_8921",
        "3174\t0123\n4567\u00a08921",
        "3\u200b1\u200b7\u200b4\u200b0123\u20604567\ufeff8921",
        "３１７４０１２３４５６７８９２１",
        "٣١٧٤٠١٢٣٤٥٦٧٨٩٢١",
        f"ini {NIK} 17-08-2026",
        f"hp 081234567890 {NIK}",
        f"0812-3456-7890 {NIK}",
        f"17-08-2026 {NIK} 45",
    ],
)
def test_finds_and_redacts_a_nik(text):
    redacted = redact_nik(text)
    assert "[NIK]" in redacted
    assert "8921" not in ascii_digits(redacted) and "0123" not in ascii_digits(redacted)


@pytest.mark.parametrize(
    "text",
    [
        "SSCN-2026-00042",
        "ukuran 600kb",
        "32012345678901234",  # 17 digits: not a NIK
        "NIP 199001012020121001",
        "telp 081234567890",
        "17-08-2026",
        "jadwal 17-08-2026 - 20-08-2026",
        "hp 0812-3456-7890, 0813-1111-2222",
        "wa +62 812 3456 7890 / 0857 1111 2222",
        "hp 081234567890 17/08/2026",
        "biaya Rp 150.000.000 - 200.000.000",
        "1. 2020 2. 2021",
    ],
)
def test_leaves_other_numbers_alone(text):
    assert redact_nik(text) == text
    assert not redact(text).nik_found


@given(nik=written_niks(), before=prose, after=prose)
@settings(max_examples=400, deadline=None)
def test_no_nik_survives_in_any_spelling(nik, before, after):
    digits, written = nik
    redaction = redact(f"{before} {written} {after}")
    assert redaction.nik_found
    assert digits not in ascii_digits(redaction.text)


@given(
    nik=written_niks(zeros=ZEROS[1:]),
    before=numbers,
    after=numbers,
    gap=st.sampled_from(SEPARATORS),
)
@settings(max_examples=300, deadline=None)
def test_a_nik_next_to_other_numbers_loses_every_digit(nik, before, after, gap):
    """The NIK is written in another script than its neighbours: none of it may stay."""
    redacted = redact_nik(f"{before}{gap}{nik[1]}{gap}{after}")
    assert not [c for c in redacted if c.isdecimal() and not c.isascii()], redacted


@pytest.mark.parametrize(
    ("text", "contacts"),
    [
        ("hp 0812-3456-7890 ya", ["0812-3456-7890"]),
        ("wa: +62 812 3456 7890", ["+62 812 3456 7890"]),
        ("telp 6281234567890.", ["6281234567890"]),
        ("0812.3456.789", ["0812.3456.789"]),
        ("mail budi.s+cpns@mail.example.co.id.", ["budi.s+cpns@mail.example.co.id"]),
        ("ke a@b.id atau 085711112222", ["a@b.id", "085711112222"]),
    ],
)
def test_redacts_contacts_and_lists_them_in_order(text, contacts):
    redaction = redact(text)
    assert list(redaction.contacts) == contacts
    assert not any(contact in redaction.text for contact in contacts)
    assert "[TELEPON]" in redaction.text or "[EMAIL]" in redaction.text
    assert contacts[0] not in repr(redaction)


def test_redacts_all_personal_data_for_logs():
    text = f"nik {NIK}, hp 0812-3456-7890, email budi.s@gmail.com"
    assert redact_personal_data(text) == "nik [NIK], hp [TELEPON], email [EMAIL]"


def test_personal_data_redaction_is_bounded_and_cuts_safely():
    text = "a" * (PERSONAL_DATA_MAX_CHARS - 10) + " " + NIK + " b"
    assert redact_personal_data(text) == "a" * (PERSONAL_DATA_MAX_CHARS - 10)


@pytest.mark.parametrize(
    ("text", "limit", "prefix"),
    [
        ("halo min", 20, "halo min"),
        ("halo min apa kabar", 12, "halo min apa"),
        ("nik 3201 2345 6789 0123 ya", 18, "nik"),
        ("tahun 2020-2021 lalu", 13, "tahun"),
        ("1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1", 40, "1 2 3 4 5"),
    ],
)
def test_a_safe_prefix_leaves_no_digits_at_the_cut(text, limit, prefix):
    assert safe_prefix(text, limit) == prefix


def test_mask_shows_only_the_ends():
    assert mask_nik(NIK) == "32************23"


# Long runs are where a pattern that can start anywhere turns quadratic.
LONG_RUNS = {
    "word characters": "a" * 1_000_000,
    "digits": "1" * 1_000_000,
    "spaced digits": "1 " * 500_000,
    "at signs": "a@" * 500_000,
    "dots": "a." * 500_000,
    "phone prefixes": "08" * 500_000,
    "plus 62": "+62 8" * 200_000,
}
MEGABYTES = {
    **LONG_RUNS,
    "phone numbers": "0812-3456-7890 " * 66_667,
    "NIKs": "3201 2345 6789 0123 x " * 45_455,
    "NIKs next to numbers": "1 3201234567890123 x " * 47_620,
    "prose": "halo min saya mau tanya soal daftar cpns " * 24_391,
}


@pytest.mark.parametrize("name", LONG_RUNS)
def test_the_patterns_scan_a_megabyte_run_in_well_under_a_second(name):
    start = time.perf_counter()
    redact(LONG_RUNS[name])  # unbounded
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("name", MEGABYTES)
def test_personal_data_redaction_of_a_megabyte_takes_well_under_a_second(name):
    start = time.perf_counter()
    redact_personal_data(MEGABYTES[name])
    assert time.perf_counter() - start < 1.0
