"""Who wants announcements: one row per Telegram conversation that subscribed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.conversations import ForeignConversation, platform_id
from bot.ledger.models import Subscriber
from bot.vocabulary import Channel

ACTIVE, STOPPED, INACTIVE = "active", "stopped", "inactive"


class NotSubscribable(ValueError):
    """Announcements go out on Telegram only; this conversation is elsewhere."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def subscribable(conversation_id: str) -> bool:
    """True for a Telegram conversation with a numeric chat id."""
    try:
        chat = platform_id(conversation_id, Channel.TELEGRAM)
    except ForeignConversation:
        return False
    return chat.lstrip("-").isdigit()


class Subscriptions:
    """Subscribe, stop, mark inactive, count and forget subscribers."""

    def __init__(self, sessions: sessionmaker, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def subscribe(self, conversation_id: str) -> bool:
        """Make the conversation an active subscriber; False if it already was."""
        return self._set(conversation_id, ACTIVE, None)

    def unsubscribe(self, conversation_id: str) -> bool:
        """Stop announcements for the conversation; False if none were going to it."""
        if not subscribable(conversation_id):
            raise NotSubscribable(conversation_id)
        if self.state(conversation_id) != ACTIVE:
            return False
        return self._set(conversation_id, STOPPED, "berhenti")

    def deactivate(self, conversation_id: str, reason: str) -> None:
        """Telegram refuses the chat (bot blocked, chat gone): no more announcements."""
        with self._sessions() as session, session.begin():
            row = session.get(Subscriber, conversation_id)
            if row is not None and row.state == ACTIVE:
                row.state, row.since, row.reason = INACTIVE, self._clock(), reason[:200]

    def state(self, conversation_id: str) -> str | None:
        """active | stopped | inactive, None when the conversation never subscribed."""
        with self._sessions() as session:
            row = session.get(Subscriber, conversation_id)
            return row.state if row else None

    def active_count(self) -> int:
        with self._sessions() as session:
            return session.execute(
                select(func.count()).select_from(Subscriber).where(Subscriber.state == ACTIVE)
            ).scalar_one()

    def _set(self, conversation_id: str, state: str, reason: str | None) -> bool:
        if not subscribable(conversation_id):
            raise NotSubscribable(conversation_id)
        try:
            return self._write(conversation_id, state, reason)
        except IntegrityError:  # the same conversation subscribed at the same moment
            return False

    def _write(self, conversation_id: str, state: str, reason: str | None) -> bool:
        with self._sessions() as session, session.begin():
            row = session.get(Subscriber, conversation_id, with_for_update=True)
            if row is None:
                session.add(
                    Subscriber(
                        conversation_id=conversation_id,
                        state=state,
                        since=self._clock(),
                        reason=reason,
                    )
                )
                return True
            if row.state == state:
                return False
            row.state, row.since, row.reason = state, self._clock(), reason
            return True
