"""Every inbound message and every reply, per channel: dedupe, delivery state, reports.

An inbound row is created once per platform id (Telegram ``update_id``, tweet
id), so a retried webhook or a re-read mention is recognised. Only one handler
at a time may work on a row, in any process: the row carries a claim (a lease,
``claimed_until``) taken by a conditional UPDATE that at most one caller wins;
a failed handler releases it, a crashed one's claim expires. A handler may take
a short claim (``lease``) and keep it alive with ``renew`` while it works, so a
killed process's claim expires within seconds (channels/records.py). Replies that must
be posted by us (X) are stored as numbered parts before they are posted, so a
restarted poller knows which parts went out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import ChannelCursor, Message
from bot.privacy import redact_personal_data

# Inbound states: received -> processed (Rasa replied) -> answered (reply delivered)
# or failed (the reply could not be delivered: e.g. X refused it with 403).
RECEIVED, PROCESSED, ANSWERED, FAILED = "received", "processed", "answered", "failed"
# Outbound states: pending -> posting -> posted | forbidden; "sent" for channels
# that deliver at once (Telegram, web chat).
PENDING, POSTING, POSTED, FORBIDDEN, SENT = "pending", "posting", "posted", "forbidden", "sent"
# What ``admit`` tells a delivery: handle it now, another handler has it, handled before.
ADMITTED, BUSY, DONE = "admitted", "busy", "done"
DEFAULT_CLAIM_SECONDS = 120.0  # the default of SSCN_MESSAGE_CLAIM_SECONDS (bot/config.py)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class MessageLog:
    def __init__(
        self,
        sessions: sessionmaker,
        clock: Callable[[], dt.datetime] = utcnow,
        claim_seconds: float = DEFAULT_CLAIM_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lease = dt.timedelta(seconds=claim_seconds)

    def receive(
        self,
        channel: str,
        conversation_id: str,
        external_id: str | None,
        text: str,
        at: dt.datetime | None = None,
        lease: float | None = None,
    ) -> tuple[Message, bool]:
        """Record an inbound message; ``(row, False)`` when this platform id was seen.
        A new row is claimed by the caller (see ``claim``) for ``lease`` seconds
        (default: the log's claim time)."""
        now = self._clock()
        row = Message(
            channel=channel,
            conversation_id=conversation_id,
            direction="in",
            external_id=external_id,
            author="applicant",
            text=redact_personal_data(text),
            status=RECEIVED,
            at=at or now,
            claimed_until=now + self._lease_of(lease),
        )
        try:
            with self._sessions() as session, session.begin():
                session.add(row)
            return row, True
        except IntegrityError:
            existing = self.inbound(channel, external_id)
            if existing is None:
                raise
            return existing, False

    def admit(
        self,
        channel: str,
        conversation_id: str,
        external_id: str,
        text: str,
        at: dt.datetime | None = None,
        lease: float | None = None,
    ) -> tuple[Message, str]:
        """Record a delivery of a platform message and say what to do with it:
        ``ADMITTED`` for the one caller that holds the claim and must handle it,
        ``BUSY`` while another handler holds it, ``DONE`` when it was handled."""
        row, new = self.receive(channel, conversation_id, external_id, text, at, lease)
        if new:
            return row, ADMITTED
        if row.status != RECEIVED:
            return row, DONE
        return row, ADMITTED if self.claim(row.id, lease) else BUSY

    def _lease_of(self, lease: float | None) -> dt.timedelta:
        return self._lease if lease is None else dt.timedelta(seconds=lease)

    def claim(self, message_id: int, lease: float | None = None) -> bool:
        """Take a received message whose claim is free or expired; True for at most one
        caller at a time (a conditional UPDATE, atomic in the database)."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            result = session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.status == RECEIVED,
                    or_(Message.claimed_until.is_(None), Message.claimed_until < now),
                )
                .values(claimed_until=now + self._lease_of(lease))
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def renew(self, message_id: int, lease: float) -> bool:
        """Keep a claim this handler holds for ``lease`` more seconds; False when the
        message is no longer received or its claim had already expired."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            result = session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.status == RECEIVED,
                    Message.claimed_until >= now,
                )
                .values(claimed_until=now + dt.timedelta(seconds=lease))
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    @property
    def claim_seconds(self) -> float:
        return self._lease.total_seconds()

    def release(self, message_id: int) -> None:
        """Give a claim back (handling failed): the next delivery may take the message."""
        with self._sessions() as session, session.begin():
            session.execute(
                update(Message)
                .where(Message.id == message_id, Message.status == RECEIVED)
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    def inbound(self, channel: str, external_id: str | None) -> Message | None:
        with self._sessions() as session:
            return session.execute(
                select(Message).where(
                    Message.channel == channel,
                    Message.direction == "in",
                    Message.external_id == external_id,
                )
            ).scalar_one_or_none()

    def set_status(self, message_id: int, status: str, note: str | None = None) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(Message, message_id)
            row.status = status
            if note:
                row.note = note
            if status in (ANSWERED, POSTED, SENT, FAILED, FORBIDDEN):
                row.done_at = self._clock()

    def add_parts(
        self, inbound: Message, parts: Sequence[str], author: str = "bot"
    ) -> list[Message]:
        """Store the replies to post, in order, and mark the inbound message processed."""
        with self._sessions() as session, session.begin():
            done = len(
                session.execute(select(Message.id).where(Message.reply_to_id == inbound.id)).all()
            )
            rows = [
                Message(
                    channel=inbound.channel,
                    conversation_id=inbound.conversation_id,
                    direction="out",
                    author=author,
                    text=text,
                    status=PENDING,
                    reply_to_id=inbound.id,
                    part=index,
                    at=self._clock(),
                )
                for index, text in enumerate(parts, start=done + 1)
            ]
            session.add_all(rows)
            session.get(Message, inbound.id).status = PROCESSED
        return rows

    def parts(self, inbound_id: int) -> list[Message]:
        with self._sessions() as session:
            return list(
                session.execute(
                    select(Message)
                    .where(Message.reply_to_id == inbound_id, Message.direction == "out")
                    .order_by(Message.part, Message.id)
                ).scalars()
            )

    def unposted(self, channel: str) -> list[int]:
        """Ids of inbound messages with reply parts still to post, oldest first."""
        with self._sessions() as session:
            return list(
                session.execute(
                    select(Message.reply_to_id)
                    .where(
                        Message.channel == channel,
                        Message.direction == "out",
                        Message.status.in_((PENDING, POSTING)),
                    )
                    .group_by(Message.reply_to_id)
                    .order_by(Message.reply_to_id)
                ).scalars()
            )

    def get(self, message_id: int) -> Message | None:
        with self._sessions() as session:
            return session.get(Message, message_id)

    def mark_posted(self, message_id: int, external_id: str) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(Message, message_id)
            row.status, row.external_id, row.done_at = POSTED, external_id, self._clock()

    def record_sent(
        self,
        channel: str,
        conversation_id: str,
        text: str,
        author: str = "bot",
        reply_to_id: int | None = None,
        external_id: str | None = None,
    ) -> Message:
        """A reply delivered at once (Telegram, web chat)."""
        now = self._clock()
        row = Message(
            channel=channel,
            conversation_id=conversation_id,
            direction="out",
            author=author,
            text=redact_personal_data(text),
            status=SENT,
            reply_to_id=reply_to_id,
            external_id=external_id,
            at=now,
            done_at=now,
        )
        with self._sessions() as session, session.begin():
            session.add(row)
        return row

    def latest_inbound(self, channel: str, conversation_id: str) -> Message | None:
        """The applicant's newest message on a channel (what an agent's reply answers)."""
        with self._sessions() as session:
            return session.execute(
                select(Message)
                .where(
                    Message.channel == channel,
                    Message.conversation_id == conversation_id,
                    Message.direction == "in",
                )
                .order_by(Message.at.desc(), Message.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    def cursor(self, name: str) -> str | None:
        with self._sessions() as session:
            row = session.get(ChannelCursor, name)
            return row.value if row else None

    def set_cursor(self, name: str, value: str) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(ChannelCursor, name)
            if row is None:
                session.add(ChannelCursor(name=name, value=value, updated_at=self._clock()))
            else:
                row.value, row.updated_at = value, self._clock()
