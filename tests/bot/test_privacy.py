"""The NIK guard and the inbound gate."""

from __future__ import annotations

import pytest

from bot.inbound import prepare_inbound
from bot.privacy import contains_nik, mask_nik, redact_nik, redact_personal_data

NIK = "3201234567890123"


@pytest.mark.parametrize(
    "text",
    [
        NIK,
        f"nik saya {NIK} tidak valid",
        f"NIK:{NIK}!",
        "3201 2345 6789 0123",
        "3201.2345.6789.0123",
    ],
)
def test_finds_and_redacts_a_nik(text):
    assert contains_nik(text)
    redacted = redact_nik(text)
    assert "[NIK]" in redacted
    assert "0123" not in redacted


@pytest.mark.parametrize(
    "text", ["SSCN-2026-00042", "ukuran 600kb", "32012345678901234", "telp 081234567890"]
)
def test_leaves_other_numbers_alone(text):
    assert not contains_nik(text)
    assert redact_nik(text) == text


def test_redacts_all_personal_data_for_logs():
    text = f"nik {NIK}, hp 0812-3456-7890, email budi.s@gmail.com"
    assert redact_personal_data(text) == "nik [NIK], hp [TELEPON], email [EMAIL]"


def test_mask_shows_only_the_ends():
    assert mask_nik(NIK) == "32************23"


def test_gate_drops_empty_and_non_text():
    for raw in ["", "   \n\t", None, 42, {"text": "x"}, "\x00"]:
        assert prepare_inbound(raw) is None


def test_gate_redacts_and_flags():
    inbound = prepare_inbound(f"  nik saya {NIK} gak valid gmn  ")
    assert inbound.text == "nik saya [NIK] gak valid gmn"
    assert inbound.metadata() == {"nik_redacted": True}


def test_gate_cuts_long_messages_without_leaking_a_nik_at_the_cut():
    raw = "a" * 1990 + " " + NIK + " " + "b" * 500
    inbound = prepare_inbound(raw, max_chars=2000)
    assert len(inbound.text) <= 2000
    assert inbound.truncated and inbound.nik_redacted
    assert not any(part in inbound.text for part in ("3201", "2345", "0123"))


def test_gate_keeps_emoji_and_short_text():
    inbound = prepare_inbound("halo min 🙏😭")
    assert inbound.text == "halo min 🙏😭" and inbound.metadata() == {}
