"""Whole conversations over HTTP against a real Rasa server and action server."""

from __future__ import annotations

import json
import time

import pytest
import requests
import yaml

from bot.answers import SUGGESTION_PROMPT
from tests.support.conversation import buttons, sender, texts

pytestmark = pytest.mark.integration
NIK = "3201234567890123"


def test_question_gets_the_faq_answer_and_a_feedback_prompt(running_bot):
    response = running_bot.say(sender(), "min lupa pw sscasn gmn?")
    replies = texts(response)
    assert any("helpdesk-sscasn.bkn.go.id" in text for text in replies)
    assert replies[-1] == "Apakah jawaban ini membantu?"
    assert buttons(response) == ["/feedback_helpful", "/feedback_unhelpful"]


def test_unhelpful_answer_leads_to_the_escalation_offer(running_bot):
    user = sender()
    texts(running_bot.say(user, "batas usia daftar cpns berapa tahun?"))
    offer = running_bot.say(user, "/feedback_unhelpful")
    assert "teruskan ke petugas" in " ".join(texts(offer))
    assert buttons(offer) == ["/affirm", "/deny"]
    accepted = " ".join(texts(running_bot.say(user, "iya teruskan")))
    assert "tiket" in accepted and "kategori" in accepted  # the intake form starts


def test_an_unsure_question_offers_entries_and_a_click_gets_the_answer(running_bot):
    user = sender()
    offered = running_bot.say(user, "syarat dokumen apa aja ya")
    assert SUGGESTION_PROMPT in texts(offered)
    choices = [payload for payload in buttons(offered) if "faq_choice" in payload]
    assert choices and buttons(offered)[-1] == "/affirm"
    answer = running_bot.say(user, choices[0])
    assert answer.json()[0]["text"] not in ("", SUGGESTION_PROMPT)
    assert "/feedback_helpful" in buttons(answer)  # an answer, then "did it help?"
    slots = running_bot.tracker(f"rest:{user}")["slots"]
    assert slots["last_faq_id"] in choices[0]


def test_greeting_thanks_goodbye_and_out_of_scope(running_bot):
    user = sender()
    assert "Helpdesk SSCASN" in " ".join(texts(running_bot.say(user, "halo selamat pagi")))
    assert texts(running_bot.say(user, "makasih banyak ya min"))
    assert texts(running_bot.say(user, "oke dadah"))
    pointer = " ".join(texts(running_bot.say(user, "kapan kenaikan pangkat pns periode april?")))
    assert "kenaikan pangkat" in pointer and "lapor.go.id" in pointer


def test_nik_is_warned_about_and_never_stored_or_repeated(running_bot):
    user = sender()
    response = running_bot.say(user, f"nik saya {NIK} katanya tidak valid gimana ya")
    replies = " ".join(texts(response))
    assert "jangan kirim NIK" in replies
    assert NIK not in response.text
    assert NIK not in json.dumps(running_bot.tracker(f"rest:{user}"))


def test_empty_long_and_malformed_input(running_bot):
    user = sender()
    assert running_bot.say(user, "   ").json() == []
    long_reply = " ".join(texts(running_bot.say(user, "tolong " * 600)))
    assert "2.000 karakter" in long_reply
    bad = requests.post(
        f"{running_bot.rasa_url}/webhooks/rest/webhook",
        data="{nope",
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]
    assert running_bot.say("", "halo").status_code == 400
    assert running_bot.say(user, ["halo"]).status_code == 400
    assert texts(running_bot.say(user, "🙏🙏🙏"))


def test_knowledge_base_edit_is_used_by_the_next_message(running_bot):
    path = next(p for p in running_bot.kb_dir.glob("*.yml") if "id: lupa_password" in p.read_text())
    original = path.read_text(encoding="utf-8")
    document = yaml.safe_load(original)
    entry = next(e for e in document["entries"] if e["id"] == "lupa_password")
    entry["answer"] = "JAWABAN UJI: reset kata sandi di https://helpdesk-sscasn.bkn.go.id"
    try:
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        assert any(
            "JAWABAN UJI" in t for t in texts(running_bot.say(sender(), "lupa password sscasn"))
        )
        path.write_text("entries:\n  - id: [rusak", encoding="utf-8")  # a broken edit
        time.sleep(0.01)
        assert any(
            "JAWABAN UJI" in t for t in texts(running_bot.say(sender(), "lupa password sscasn"))
        )
    finally:
        path.write_text(original, encoding="utf-8")
