"""/langganan and /berhenti in the actions: Telegram only, twice is harmless."""

from __future__ import annotations

import actions.runtime
from actions.smalltalk import ActionSmalltalk
from actions.subscriptions import ActionSubscribe, ActionUnsubscribe
from tests.support.actions import responses, run, tracker


def on(conversation: str, text: str, intent: str):
    tracker_ = tracker(text, intent)
    tracker_.sender_id = conversation
    return tracker_


def test_subscribe_and_stop_on_telegram():
    chat = "telegram:4242"
    messages, _ = run(ActionSubscribe(), on(chat, "/subscribe", "subscribe"))
    assert responses(messages) == ["utter_subscribed"]
    messages, _ = run(ActionSubscribe(), on(chat, "mau dapat info pengumuman", "subscribe"))
    assert responses(messages) == ["utter_already_subscribed"]
    assert actions.runtime.services.subscriptions.state(chat) == "active"
    messages, _ = run(ActionUnsubscribe(), on(chat, "stop kirim info", "unsubscribe"))
    assert responses(messages) == ["utter_unsubscribed"]
    messages, _ = run(ActionUnsubscribe(), on(chat, "/unsubscribe", "unsubscribe"))
    assert responses(messages) == ["utter_not_subscribed"]
    assert actions.runtime.services.subscriptions.state(chat) == "stopped"


def test_other_channels_are_pointed_to_telegram():
    for conversation in ("webchat:abc", "twitter:99", "rest:x"):
        messages, _ = run(ActionSubscribe(), on(conversation, "langganan", "subscribe"))
        assert responses(messages) == ["utter_subscription_telegram_only"]
    assert actions.runtime.services.subscriptions.active_count() == 0


def test_the_start_greeting_offers_announcements_until_subscribed():
    chat = "telegram:777"
    messages, _ = run(ActionSmalltalk(), on(chat, "/greeting", "greeting"))
    assert responses(messages) == ["utter_greeting", "utter_offer_subscription"]
    messages, _ = run(ActionSmalltalk(), on(chat, "halo min", "greeting"))
    assert responses(messages) == ["utter_greeting"]  # only after /start
    messages, _ = run(ActionSmalltalk(), on("webchat:s1", "/greeting", "greeting"))
    assert responses(messages) == ["utter_greeting"]
    actions.runtime.services.subscriptions.subscribe(chat)
    messages, _ = run(ActionSmalltalk(), on(chat, "/greeting", "greeting"))
    assert responses(messages) == ["utter_greeting"]


def test_a_database_outage_gets_an_apology(monkeypatch, tmp_path):
    from bot.config import Settings
    from bot.services import Services

    broken = Settings.from_env().replace(database_url=f"sqlite:///{tmp_path}/no/such/dir/x.db")
    monkeypatch.setattr(actions.runtime, "services", Services(broken))
    messages, _ = run(ActionSubscribe(), on("telegram:5", "/subscribe", "subscribe"))
    assert responses(messages) == ["utter_subscription_unavailable"]
    messages, _ = run(ActionSmalltalk(), on("telegram:5", "/greeting", "greeting"))
    assert responses(messages) == ["utter_greeting"]
