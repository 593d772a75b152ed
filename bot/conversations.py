"""Conversation ids namespaced by channel: ``"telegram:12345"``, ``"webchat:<session>"``.

Every channel builds the Rasa sender id, the message log's and the ledger's
conversation id with ``conversation_id``, and gets the platform's own id back
with ``platform_id`` where it talks to the platform. A conversation of one
channel can therefore never be read, written or answered through another.
"""

from __future__ import annotations

SEPARATOR = ":"
CHANNELS = frozenset({"webchat", "telegram", "twitter", "rest"})


class ForeignConversation(ValueError):
    """A conversation id that does not belong to the channel asked for."""


def conversation_id(channel: str, platform_id: str | int) -> str:
    """The conversation id of ``platform_id`` (chat id, session, author id) on ``channel``."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    platform_id = str(platform_id)
    if not platform_id:
        raise ValueError("empty platform id")
    return f"{channel}{SEPARATOR}{platform_id}"


def platform_id(conversation: str, channel: str) -> str:
    """The platform's id inside a conversation id of ``channel``; ``ForeignConversation``
    for an id of another channel or one without a channel."""
    prefix = f"{channel}{SEPARATOR}"
    if not isinstance(conversation, str) or not conversation.startswith(prefix):
        raise ForeignConversation(f"{conversation!r} is not a {channel} conversation")
    rest = conversation[len(prefix) :]
    if not rest:
        raise ForeignConversation(f"{conversation!r} has no {channel} id")
    return rest
