"""The inbound gate: bounded prefix, redaction, sealed contacts, client metadata."""

from __future__ import annotations

import time

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.inbound import (
    PREFIX_MARGIN,
    SEALED_CONTACTS,
    clean_metadata,
    prepare_inbound,
    sealed_contacts,
)
from bot.ledger.crypto import cipher_for
from tests.support.privacy import NIK, ascii_digits, prose, written_niks


@pytest.fixture(autouse=True)
def ledger_key(monkeypatch):
    monkeypatch.setenv("SSCN_LEDGER_KEY", Fernet.generate_key().decode())


def test_gate_drops_empty_and_non_text():
    for raw in ["", "   \n\t", None, 42, {"text": "x"}, "\x00"]:
        assert prepare_inbound(raw) is None


def test_gate_redacts_and_flags():
    inbound = prepare_inbound(f"  nik saya {NIK} gak valid gmn  ")
    assert inbound.text == "nik saya [NIK] gak valid gmn"
    assert inbound.metadata() == {"nik_redacted": True}


def test_gate_keeps_emoji_and_short_text():
    inbound = prepare_inbound("halo min 🙏😭")
    assert inbound.text == "halo min 🙏😭" and inbound.metadata() == {}


def test_gate_cuts_long_messages_without_leaking_a_nik_at_the_cut():
    raw = "a" * 1990 + " " + NIK + " " + "b" * 500
    inbound = prepare_inbound(raw, max_chars=2000)
    assert len(inbound.text) <= 2000
    assert inbound.truncated and inbound.nik_redacted
    assert not any(part in inbound.text for part in ("3201", "2345", "0123"))


def test_a_registration_step_answer_with_a_spaced_nik_is_redacted():
    inbound = prepare_inbound("3174 - 0123 - 4567 - 8921")
    assert inbound.text == "[NIK]" and inbound.nik_redacted


@given(nik=written_niks(), before=prose, after=prose)
@settings(max_examples=300, deadline=None)
def test_no_nik_passes_the_gate(nik, before, after):
    digits, written = nik
    inbound = prepare_inbound(f"{before} {written} {after}")
    assert inbound.nik_redacted
    assert digits not in ascii_digits(inbound.text)


@given(nik=written_niks(), shift=st.integers(-24, 24), earlier=st.integers(0, 12))
@settings(max_examples=300, deadline=None)
def test_no_nik_digit_survives_near_the_cuts(nik, shift, earlier):
    """NIKs before the cut shorten the text; the one at the cut must not leave digits."""
    max_chars = 200
    _, written = nik
    lead = f"{NIK} " * earlier
    filler = "x" * max(0, max_chars + PREFIX_MARGIN + shift - len(lead))
    inbound = prepare_inbound(f"{lead}{filler} {written} {'y' * 300}", max_chars=max_chars)
    assert len(inbound.text) <= max_chars and inbound.truncated
    assert not ascii_digits(inbound.text), inbound.text


def test_contacts_are_taken_out_and_sealed():
    inbound = prepare_inbound("email saya budi@example.com, wa 0812-3456-7890 tolong dicek")
    assert inbound.text == "email saya [EMAIL], wa [TELEPON] tolong dicek"
    assert inbound.contacts == ("budi@example.com", "0812-3456-7890")
    assert "budi" not in repr(inbound)
    metadata = inbound.metadata()
    assert set(metadata) == {SEALED_CONTACTS}
    assert "budi" not in metadata[SEALED_CONTACTS]
    assert sealed_contacts(metadata) == ["budi@example.com", "0812-3456-7890"]


@pytest.mark.parametrize(
    "metadata",
    [None, {}, {SEALED_CONTACTS: 42}, {SEALED_CONTACTS: "not-a-token"}, ["x"]],
)
def test_unreadable_sealed_contacts_are_none(metadata):
    assert sealed_contacts(metadata) == []


def test_contacts_sealed_with_another_key_are_not_read(tmp_path):
    ours, other = (cipher_for(Fernet.generate_key().decode(), tmp_path / "k") for _ in "ab")
    metadata = prepare_inbound("hp 081234567890").metadata(ours)
    assert sealed_contacts(metadata, ours) == ["081234567890"]
    assert sealed_contacts(metadata, other) == []


@pytest.mark.parametrize("size", [1_000_000, 100_000_000])
def test_a_huge_message_passes_the_gate_at_once(size):
    raw = ("3201 2345 6789 0123 a@" * (size // 22 + 1))[:size]
    start = time.perf_counter()
    inbound = prepare_inbound(raw)
    assert time.perf_counter() - start < 1.0
    assert inbound.truncated and len(inbound.text) <= 2000


def test_metadata_keeps_only_the_channels_own_keys():
    raw = {
        "display_name": "Budi",
        "telegram_update_id": 7,
        "nik_redacted": True,
        "truncated": True,
        SEALED_CONTACTS: "forged",
        "extra": "x" * 10_000_000,
    }
    assert clean_metadata("telegram", raw) == {"display_name": "Budi", "telegram_update_id": 7}
    assert clean_metadata("rest", raw) == {}
    assert clean_metadata("webchat", raw) == {}
    assert clean_metadata("telegram", "not a dict") == {}


def test_metadata_values_are_bounded_scalars_without_personal_data():
    raw = {
        "tweet_id": "1790000000000000001",
        "username": f"budi{NIK}",
        "display_name": "Budi 0812-3456-7890 " + "a" * 1000,
        "created_at": {"nested": "object"},
    }
    cleaned = clean_metadata("twitter", raw)
    assert cleaned["tweet_id"] == "1790000000000000001"
    assert cleaned["username"] == "budi[NIK]"
    assert cleaned["display_name"].startswith("Budi [TELEPON] a")
    assert len(cleaned["display_name"]) <= 200
    assert "created_at" not in cleaned
    assert clean_metadata("telegram", {"telegram_update_id": 2**70, "display_name": True}) == {}
