"""Multi-turn conversations: program, season and follow-ups read in context."""

from __future__ import annotations

import pytest

from tests.support.conversation import sender, texts

pytestmark = pytest.mark.integration
FEEDBACK = "Apakah jawaban ini membantu?"
OUT_OF_SCOPE = "hanya bisa membantu seputar seleksi"


def slots(bot, user: str) -> dict:
    return bot.tracker(f"rest:{user}")["slots"]


def test_how_to_reset_after_a_locked_account_is_answered_not_refused(running_bot):
    user = sender()
    texts(running_bot.say(user, "akun sscasn saya terkunci karena lupa password"))
    assert slots(running_bot, user)["last_faq_id"]  # an account entry
    replies = texts(running_bot.say(user, "gimana cara resetnya"))
    assert not any(OUT_OF_SCOPE in text for text in replies)
    assert replies[-1] == FEEDBACK
    assert slots(running_bot, user)["last_faq_id"]


def test_follow_ups_in_a_season(running_bot):
    user = sender()
    texts(running_bot.say(user, "jadwal cpns 2024"))
    assert slots(running_bot, user)["last_faq_id"].startswith("jadwal_cpns_2024")
    texts(running_bot.say(user, "kalau pppk?"))
    assert slots(running_bot, user)["last_faq_id"] == "jadwal_pppk_2024"


def test_a_vague_follow_up_stays_on_the_previous_entry(running_bot):
    user = sender()
    texts(running_bot.say(user, "min lupa pw sscasn gmn?"))
    assert slots(running_bot, user)["last_faq_id"] == "lupa_password"
    replies = texts(running_bot.say(user, "cara resetnya gimana"))
    assert any("helpdesk-sscasn.bkn.go.id" in text for text in replies)
    assert slots(running_bot, user)["last_faq_id"] == "lupa_password"
    texts(running_bot.say(user, "bagaimana cara daftar cpns"))  # a question of its own
    assert slots(running_bot, user)["last_faq_id"] == "cara_daftar"


def test_kalau_pppk_after_the_cpns_age_limits_moves_to_pppk(running_bot):
    user = sender()
    texts(running_bot.say(user, "batas usia daftar cpns berapa tahun?"))
    assert slots(running_bot, user)["last_faq_id"] == "batas_usia"
    replies = texts(running_bot.say(user, "kalau PPPK?"))
    state = slots(running_bot, user)
    assert state["last_program"] == "pppk" and state["last_faq_id"] == "pppk_syarat_usia"
    assert not any(OUT_OF_SCOPE in text for text in replies)


def test_a_pppk_question_does_not_get_the_cpns_age_limits(running_bot):
    user = sender()
    replies = " ".join(texts(running_bot.say(user, "berapa batas usia pppk guru")))
    assert slots(running_bot, user)["last_faq_id"] == "pppk_syarat_usia"
    assert "PPPK" in replies


def test_an_unannounced_season_is_not_answered_with_an_old_schedule(running_bot):
    user = sender()
    replies = " ".join(texts(running_bot.say(user, "kapan pendaftaran cpns 2026 dibuka?")))
    assert "belum diumumkan" in replies and "sscasn.bkn.go.id" in replies
    assert "sudah lewat" not in replies  # not an old season's schedule with a note
    # and its follow-up keeps the program
    texts(running_bot.say(user, "kalau pppk?"))
    assert slots(running_bot, user)["last_program"] == "pppk"


def test_the_season_file_is_reloaded_without_restart(running_bot):
    path = running_bot.kb_dir / "config" / "seasons.yml"
    original = path.read_text(encoding="utf-8")
    announced = original.replace(
        "  - program: kedinasan\n    year: 2026\n    announced: false\n",
        "  - program: kedinasan\n    year: 2026\n    announced: true\n"
        "    registration_open: 2026-12-20\n    registration_close: 2027-01-10\n",
    )
    assert announced != original
    question = "jadwal pendaftaran sekolah kedinasan 2026"
    try:
        assert "belum diumumkan" in " ".join(texts(running_bot.say(sender(), question)))
        path.write_text(announced, encoding="utf-8")
        assert "20 Desember 2026" in " ".join(texts(running_bot.say(sender(), question)))
    finally:
        path.write_text(original, encoding="utf-8")
