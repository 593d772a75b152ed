"""The words the ledger, the channels and the console share, as enums.

Both are ``str`` enums: their members compare equal to (and are stored as) the
plain strings already in the database, so no migration is needed.
"""

from __future__ import annotations

from enum import Enum


class Channel(str, Enum):
    """Where an applicant writes from."""

    WEBCHAT = "webchat"
    TELEGRAM = "telegram"
    TWITTER = "twitter"
    REST = "rest"

    def __str__(self) -> str:
        return self.value


# Channels whose applicant can receive a message the helpdesk sends first.
PUSH_CHANNELS = frozenset({Channel.WEBCHAT, Channel.TELEGRAM, Channel.TWITTER})


class CaseEventType(str, Enum):
    """One line of a case's history (``case_events.type``)."""

    CREATED = "created"
    STATUS = "status"
    REASON = "reason"
    ASSIGNED = "assigned"  # forwarded to a unit
    ASSIGNED_AGENT = "assigned_agent"
    TAKEN_OVER = "taken_over"
    HANDED_BACK = "handed_back"
    AGENT_REPLY = "agent_reply"
    NOTE = "note"
    RATED = "rated"
    NIK_REVEALED = "nik_revealed"
    CONTACT_REVEALED = "contact_revealed"
    DUPLICATE_OF = "duplicate_of"
    MERGED = "merged"

    def __str__(self) -> str:
        return self.value
