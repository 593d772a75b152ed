"""Conversation ids are namespaced by channel; a channel refuses another's ids."""

from __future__ import annotations

import pytest

from bot.conversations import ForeignConversation, conversation_id, platform_id


def test_ids_carry_their_channel_and_give_the_platform_id_back():
    assert conversation_id("telegram", 12345) == "telegram:12345"
    assert conversation_id("rest", "telegram:12345") == "rest:telegram:12345"
    assert platform_id("telegram:12345", "telegram") == "12345"
    assert platform_id("rest:telegram:12345", "rest") == "telegram:12345"


@pytest.mark.parametrize(
    ("conversation", "channel"),
    [
        ("12345", "telegram"),  # un-namespaced (a legacy id)
        ("rest:12345", "telegram"),
        ("webchat:abc", "twitter"),
        ("telegram:", "telegram"),
        ("telegramx:1", "telegram"),
    ],
)
def test_an_id_of_another_channel_is_refused(conversation, channel):
    with pytest.raises(ForeignConversation):
        platform_id(conversation, channel)


def test_unknown_channels_and_empty_ids_are_errors():
    with pytest.raises(ValueError):
        conversation_id("sms", "1")
    with pytest.raises(ValueError):
        conversation_id("rest", "")
