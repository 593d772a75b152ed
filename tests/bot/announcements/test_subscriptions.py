"""Subscribing, stopping and refused chats."""

from __future__ import annotations

import pytest

from bot.announcements.subscriptions import NotSubscribable, subscribable


def test_subscribing_twice_is_harmless(subscriptions):
    assert subscriptions.subscribe("telegram:42") is True
    assert subscriptions.subscribe("telegram:42") is False
    assert subscriptions.state("telegram:42") == "active"
    assert subscriptions.active_count() == 1


def test_stopping_and_subscribing_again(subscriptions, clock):
    assert subscriptions.unsubscribe("telegram:42") is False  # never subscribed
    subscriptions.subscribe("telegram:42")
    assert subscriptions.unsubscribe("telegram:42") is True
    assert subscriptions.unsubscribe("telegram:42") is False
    assert subscriptions.state("telegram:42") == "stopped"
    assert subscriptions.active_count() == 0
    assert subscriptions.subscribe("telegram:42") is True
    assert subscriptions.state("telegram:42") == "active"


def test_a_refused_chat_becomes_inactive_until_it_subscribes_again(subscriptions):
    subscriptions.subscribe("telegram:7")
    subscriptions.deactivate("telegram:7", "Forbidden: bot was blocked by the user")
    assert subscriptions.state("telegram:7") == "inactive"
    assert subscriptions.active_count() == 0
    assert subscriptions.subscribe("telegram:7") is True


@pytest.mark.parametrize(
    "conversation", ["webchat:abc", "twitter:12", "telegram:", "telegram:abc", "12", ""]
)
def test_only_telegram_chats_can_subscribe(subscriptions, conversation):
    assert not subscribable(conversation)
    with pytest.raises(NotSubscribable):
        subscriptions.subscribe(conversation)
    with pytest.raises(NotSubscribable):
        subscriptions.unsubscribe(conversation)
