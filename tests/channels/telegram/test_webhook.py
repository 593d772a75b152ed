"""The Telegram webhook on a real Rasa server, answering through the fake Bot API."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import create_engine, text

from devtools.fake_telegram import callback_update, photo_update, text_update
from tests.support.telegram import assert_answered_once, deliver_at_once, post

pytestmark = pytest.mark.integration
_ids = itertools.count(10_000)
_chats = itertools.count(500)


def say(bot, fake, chat: int, message: str, expect: int) -> list[dict]:
    before = len(fake.calls_to("sendMessage", chat))
    reply = post(bot, text_update(next(_ids), chat, message))
    assert reply.status_code == 200, reply.text
    return fake.wait_for("sendMessage", chat, before + expect)[before:]


def test_the_secret_token_is_required(running_bot):
    update = text_update(next(_ids), next(_chats), "halo")
    assert post(running_bot, update, secret=None).status_code == 403
    assert post(running_bot, update, secret="wrong").status_code == 403
    assert post(running_bot, None, raw=b"{not json").status_code == 400
    assert post(running_bot, {"no": "update"}).status_code == 400


def test_question_answer_buttons_and_callback(running_bot, fake_telegram):
    chat = next(_chats)
    sent = say(running_bot, fake_telegram, chat, "min lupa pw sscasn gmn", expect=2)
    assert "helpdesk-sscasn.bkn.go.id" in sent[0]["text"]
    keyboard = sent[1]["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == [
        "/feedback_helpful",
        "/feedback_unhelpful",
    ]

    update = callback_update(next(_ids), chat, "/feedback_unhelpful")
    assert post(running_bot, update).status_code == 200
    answered = fake_telegram.calls_to("answerCallbackQuery")
    assert any(call["callback_query_id"] == update["callback_query"]["id"] for call in answered)
    offer = fake_telegram.wait_for("sendMessage", chat, 4)[-1]
    assert "teruskan ke petugas" in offer["text"]


def test_a_photo_gets_a_text_only_note(running_bot, fake_telegram):
    chat = next(_chats)
    assert post(running_bot, photo_update(next(_ids), chat)).status_code == 200
    (note,) = fake_telegram.wait_for("sendMessage", chat, 1)
    assert "hanya bisa membaca pesan teks" in note["text"]


def test_a_repeated_update_is_answered_once(running_bot, fake_telegram):
    chat = next(_chats)
    update = text_update(next(_ids), chat, "halo min")
    assert post(running_bot, update).json() == {"status": "ok"}
    replies = len(fake_telegram.calls_to("sendMessage", chat))
    assert post(running_bot, update).json() == {"status": "duplicate"}
    assert len(fake_telegram.calls_to("sendMessage", chat)) == replies
    engine = create_engine(running_bot.env["SSCN_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT direction, status, author FROM messages WHERE conversation_id = :c"),
            {"c": f"telegram:{chat}"},
        ).all()
    engine.dispose()
    assert ("in", "answered", "applicant") in rows
    assert sum(1 for row in rows if row[0] == "out" and row[2] == "bot") == replies


def test_a_ticket_over_telegram(running_bot, fake_telegram):
    chat = next(_chats)
    say(running_bot, fake_telegram, chat, "saya mau bicara dengan petugas", expect=2)
    topic = say(
        running_bot,
        fake_telegram,
        chat,
        "kartu ujian saya tidak bisa dicetak sejak kemarin sore",
        expect=1,
    )[-1]
    choice = topic["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    before = len(fake_telegram.calls_to("sendMessage", chat))
    assert post(running_bot, callback_update(next(_ids), chat, choice)).status_code == 200
    fake_telegram.wait_for("sendMessage", chat, before + 1)
    filed = say(running_bot, fake_telegram, chat, "lewati", expect=1)[-1]["text"]
    ticket = re.search(r"SSCN-\d{4}-\d{5}", filed).group()
    status = say(running_bot, fake_telegram, chat, f"status {ticket}", expect=2)
    assert ticket in status[0]["text"]
    case = running_bot.sscn("cases", "show", ticket, "--json")
    assert '"channel": "telegram"' in case.stdout
    assert f'"channel_user": "telegram:{chat}"' in case.stdout

    # A REST client naming the chat (as it is, or namespaced) reaches neither the case
    # nor the applicant's conversation.
    before = [e for e in running_bot.tracker(f"telegram:{chat}")["events"] if e["event"] == "user"]
    for sender in (str(chat), f"telegram:{chat}"):
        answer = " ".join(
            m.get("text", "") for m in running_bot.say(sender, f"status {ticket}").json()
        )
        assert "tidak ditemukan" in answer
        latest = " ".join(
            m.get("text", "") for m in running_bot.say(sender, "aduan saya gimana?").json()
        )
        assert ticket not in latest
    after = [e for e in running_bot.tracker(f"telegram:{chat}")["events"] if e["event"] == "user"]
    assert after == before


def test_concurrent_copies_of_an_update_are_answered_once(running_bot, fake_telegram):
    control, chat = next(_chats), next(_chats)
    assert post(running_bot, text_update(next(_ids), control, "halo min")).status_code == 200
    update = text_update(next(_ids), chat, "halo min")
    replies = deliver_at_once(running_bot, update, copies=6)
    assert_answered_once(running_bot, fake_telegram, update, control, replies)


def test_a_failed_update_is_released_and_handled_on_redelivery(running_bot, fake_telegram):
    chat = next(_chats)
    update = text_update(next(_ids), chat, "halo min")
    fake_telegram.fail("sendMessage", 0)  # "retry after 0" is a NetworkError: handling fails
    assert post(running_bot, update).status_code == 500
    assert post(running_bot, update).json() == {"status": "ok"}  # Telegram's redelivery
    assert fake_telegram.calls_to("sendMessage", chat)
    assert post(running_bot, update).json() == {"status": "duplicate"}
