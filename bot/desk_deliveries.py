"""Handing the case desk's deliveries to the applicant's channel (transactional outbox).

A desk operation writes its deliveries (a message, pausing or resuming the bot) in
the same transaction as the case change. After commit they are handed to the
``ApplicantPort`` in ``id`` order per conversation: a delivery is claimed by one
conditional UPDATE (``pending`` -> ``sending``), so two processes never hand over
the same one; the first that fails stops the conversation's queue (order matters:
the bot must be paused before the agent's greeting) and stays ``pending`` with its
error, retried later; one the channel can never take (a REST conversation cannot
be pushed to) becomes ``failed``. A claim older than ``STALE_CLAIM`` (a process
died while sending) is taken again: delivery is at least once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import Delivery

logger = logging.getLogger(__name__)
PENDING, SENDING, DONE, FAILED = "pending", "sending", "done", "failed"
SEND, PAUSE, RESUME = "send", "pause", "resume"
STALE_CLAIM = dt.timedelta(seconds=60)


class ApplicantPort(Protocol):
    """The way to the applicant's conversation (``channels.outbound.Outbound``)."""

    def send(
        self,
        conversation_id: str,
        text: str,
        author: str,
        buttons: list[dict[str, str]] | None = None,
    ) -> str: ...

    def pause(self, conversation_id: str) -> None: ...

    def resume(self, conversation_id: str) -> None: ...


class DeliveryError(RuntimeError):
    """The port could not hand a delivery over now (Rasa down, timeout): retry later."""


class Undeliverable(DeliveryError):
    """The delivery can never be handed over (the channel cannot be pushed to)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Deliveries:
    """Hands pending deliveries to the port and reports what is still owed."""

    def __init__(
        self,
        sessions: sessionmaker,
        port: ApplicantPort,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._port = port
        self._clock = clock

    def deliver(self, conversation_id: str) -> str | None:
        """Hand over the conversation's pending deliveries in order; returns the error
        that stopped the queue (for the agent's notice), None when all went out."""
        while True:
            delivery = self._claim_next(conversation_id)
            if delivery is None:
                return None
            try:
                self._hand_over(delivery)
            except Undeliverable as error:
                self._finish(delivery.id, FAILED, str(error))
                continue
            except DeliveryError as error:
                self._finish(delivery.id, PENDING, str(error))
                return str(error)
            self._finish(delivery.id, DONE, None)

    def retry_all(self) -> int:
        """Deliver every conversation that still owes something; how many remain."""
        with self._sessions() as session:
            conversations = list(
                session.execute(
                    select(Delivery.conversation_id)
                    .where(Delivery.state.in_((PENDING, SENDING)))
                    .distinct()
                ).scalars()
            )
        for conversation_id in conversations:
            self.deliver(conversation_id)
        return self.owed_count()

    def owed(self, case_id: int) -> list[Delivery]:
        """The case's deliveries not handed over yet, and those that never can be."""
        with self._sessions() as session:
            return list(
                session.execute(
                    select(Delivery)
                    .where(Delivery.case_id == case_id, Delivery.state != DONE)
                    .order_by(Delivery.id)
                ).scalars()
            )

    def owed_count(self) -> int:
        with self._sessions() as session:
            return session.execute(
                select(func.count(Delivery.id)).where(Delivery.state.in_((PENDING, SENDING)))
            ).scalar_one()

    def _claim_next(self, conversation_id: str) -> Delivery | None:
        now = self._clock()
        with self._sessions() as session, session.begin():
            first = session.execute(
                select(Delivery)
                .where(
                    Delivery.conversation_id == conversation_id,
                    Delivery.state.in_((PENDING, SENDING)),
                )
                .order_by(Delivery.id)
                .limit(1)
            ).scalar_one_or_none()
            if first is None:
                return None
            claimed = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == first.id,
                    or_(
                        Delivery.state == PENDING,
                        Delivery.claimed_at < now - STALE_CLAIM,
                    ),
                )
                .values(state=SENDING, claimed_at=now, attempts=Delivery.attempts + 1)
            ).rowcount
            # Someone else is handing over this conversation's next delivery: leave
            # the rest to them (order is kept by whoever holds the first).
            return first if claimed else None

    def _hand_over(self, delivery: Delivery) -> None:
        if delivery.kind == PAUSE:
            self._port.pause(delivery.conversation_id)
        elif delivery.kind == RESUME:
            self._port.resume(delivery.conversation_id)
        else:
            buttons = json.loads(delivery.buttons) if delivery.buttons else None
            self._port.send(delivery.conversation_id, delivery.text or "", delivery.author, buttons)

    def _finish(self, delivery_id: int, state: str, error: str | None) -> None:
        if error:
            logger.warning("delivery %s not handed over: %s", delivery_id, error[:200])
        with self._sessions() as session, session.begin():
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(
                    state=state,
                    last_error=error[:500] if error else None,
                    delivered_at=self._clock() if state == DONE else None,
                    claimed_at=None,
                )
            )
