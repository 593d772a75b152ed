"""/langganan and /berhenti through the real Telegram webhook, Rasa and the actions."""

from __future__ import annotations

import itertools

import pytest

from bot.announcements.subscriptions import Subscriptions
from bot.ledger.db import make_engine, make_sessionmaker
from devtools.fake_telegram import callback_update, text_update
from tests.support.telegram import post

pytestmark = pytest.mark.integration
_ids = itertools.count(70_000)
CHAT = 880_001


def test_subscribe_and_stop_by_command_button_and_words(running_bot, fake_telegram):
    subscriptions = Subscriptions(
        make_sessionmaker(make_engine(running_bot.env["SSCN_DATABASE_URL"]))
    )
    conversation = f"telegram:{CHAT}"

    assert post(running_bot, text_update(next(_ids), CHAT, "/start")).status_code == 200
    greeting, offer = fake_telegram.wait_for("sendMessage", CHAT, 2)
    assert offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/subscribe"

    assert post(running_bot, callback_update(next(_ids), CHAT, "/subscribe")).status_code == 200
    subscribed = fake_telegram.wait_for("sendMessage", CHAT, 3)[-1]
    assert "/berhenti" in subscribed["text"]
    assert subscribed["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/unsubscribe"
    assert subscriptions.state(conversation) == "active"

    assert post(running_bot, text_update(next(_ids), CHAT, "/langganan")).status_code == 200
    again = fake_telegram.wait_for("sendMessage", CHAT, 4)[-1]
    assert "sudah berlangganan" in again["text"]

    assert post(running_bot, text_update(next(_ids), CHAT, "/berhenti")).status_code == 200
    stopped = fake_telegram.wait_for("sendMessage", CHAT, 5)[-1]
    assert "tidak akan menerima pengumuman" in stopped["text"]
    assert stopped["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/subscribe"
    assert subscriptions.state(conversation) == "stopped"

    words = "mau dapat info pengumuman dong min"
    assert post(running_bot, text_update(next(_ids), CHAT, words)).status_code == 200
    assert "Siap!" in fake_telegram.wait_for("sendMessage", CHAT, 6)[-1]["text"]
    assert subscriptions.state(conversation) == "active"
