"""Cases for the report tests."""

from __future__ import annotations

from bot.ledger.service import NewCase


def complaint(user: str, topic: str, summary: str, channel: str = "webchat") -> NewCase:
    """A complaint from ``user`` about ``topic``."""
    return NewCase(channel, user, user, "complaint", summary, sscn_topic=topic)
