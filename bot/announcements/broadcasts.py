"""Broadcasts: composed by Humas, started (recipients snapshotted), sent, finished.

A broadcast is ``draft`` until started; starting moves it to ``sending`` and copies
the active subscribers into ``broadcast_recipients`` in the same transaction (a
second start, e.g. a double click, finds it no longer a draft and does nothing).
``paused`` stops the worker at its next claim; ``cancelled`` for good. It is
``done`` once no recipient is pending or being sent.

The per-state counters live on the broadcast row and change in the same
transaction as the recipient they count, so they survive ``purge_before`` (the
retention of recipient rows) and the report's totals do not move.

The worker's side (leases, claims, outcomes) is in this class too: every row of
these tables is written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.announcements.message import MAX_TEXT_CHARS, MAX_TITLE_CHARS, Rendered, render
from bot.announcements.subscriptions import ACTIVE, INACTIVE
from bot.kb.schema import Entry
from bot.ledger.models import Broadcast, BroadcastRecipient, Subscriber

DRAFT, SENDING, PAUSED, DONE, CANCELLED = "draft", "sending", "paused", "done", "cancelled"
# Recipient states (SENDING is shared with the broadcast's).
PENDING, SENT, FAILED, BLOCKED, UNKNOWN = "pending", "sent", "failed", "blocked", "unknown"
FINAL = (SENT, FAILED, BLOCKED, UNKNOWN)
ABANDONED = "pengirim berhenti saat mengirim; mungkin sudah terkirim"
COUNTERS = {
    SENT: Broadcast.sent_count,
    FAILED: Broadcast.failed_count,
    BLOCKED: Broadcast.blocked_count,
    UNKNOWN: Broadcast.unknown_count,
}
STATE_WORDS = {
    DRAFT: "draf",
    SENDING: "sedang dikirim",
    PAUSED: "dijeda",
    DONE: "selesai",
    CANCELLED: "dibatalkan",
}


class BroadcastError(ValueError):
    """A request Humas can fix (the message says how, in Indonesian)."""


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast and its counters."""

    id: int
    title: str
    text: str
    kb_entry_id: str | None
    created_by: str
    created_at: dt.datetime
    state: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    recipients: int
    sent: int
    failed: int
    blocked: int
    unknown: int

    @property
    def finished(self) -> int:
        return self.sent + self.failed + self.blocked + self.unknown

    @property
    def pending(self) -> int:
        """Recipients not handled yet (being sent or waiting)."""
        return max(self.recipients - self.finished, 0)

    @property
    def percent(self) -> int:
        return 100 if not self.recipients else round(100 * self.finished / self.recipients)

    @property
    def state_word(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    def progress(self) -> dict[str, object]:
        """The figures the console's progress bar polls."""
        return {
            "id": self.id,
            "state": self.state,
            "state_word": self.state_word,
            "recipients": self.recipients,
            "sent": self.sent,
            "failed": self.failed,
            "blocked": self.blocked,
            "unknown": self.unknown,
            "pending": self.pending,
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Claim:
    """A recipient a worker is sending to now."""

    id: int
    conversation_id: str
    attempts: int


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _view(row: Broadcast) -> BroadcastView:
    return BroadcastView(
        row.id,
        row.title,
        row.text,
        row.kb_entry_id,
        row.created_by,
        row.created_at,
        row.state,
        row.started_at,
        row.finished_at,
        row.recipients_count,
        row.sent_count,
        row.failed_count,
        row.blocked_count,
        row.unknown_count,
    )


class Broadcasts:
    """Every read and write of broadcasts and their recipients."""

    def __init__(
        self,
        sessions: sessionmaker,
        entries: Callable[[str], Entry | None],
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._entries = entries
        self._clock = clock

    # --- Humas ----------------------------------------------------------------
    def compose(self, title: str, text: str, kb_entry_id: str, created_by: str) -> BroadcastView:
        """A new draft; ``BroadcastError`` for an empty or too long text or an unknown entry."""
        title, text, kb_entry_id = title.strip(), text.strip(), kb_entry_id.strip()
        if not title or len(title) > MAX_TITLE_CHARS:
            raise BroadcastError(f"Judul wajib diisi, paling banyak {MAX_TITLE_CHARS} karakter.")
        if not text:
            raise BroadcastError("Isi pengumuman wajib diisi.")
        if len(text) > MAX_TEXT_CHARS:
            raise BroadcastError(
                f"Isi pengumuman terlalu panjang: {len(text):,} dari paling banyak "
                f"{MAX_TEXT_CHARS:,} karakter.".replace(",", ".")
            )
        if kb_entry_id and self._entries(kb_entry_id) is None:
            raise BroadcastError(
                "Entri basis pengetahuan dengan ID itu tidak ada (lihat halaman Basis "
                "pengetahuan); kosongkan bila tidak perlu."
            )
        with self._sessions() as session, session.begin():
            row = Broadcast(
                title=title,
                text=text,
                kb_entry_id=kb_entry_id or None,
                created_by=created_by[:100],
                created_at=self._clock(),
                state=DRAFT,
                recipients_count=0,
                sent_count=0,
                failed_count=0,
                blocked_count=0,
                unknown_count=0,
            )
            session.add(row)
            session.flush()
            return _view(row)

    def rendered(self, broadcast: BroadcastView) -> Rendered:
        """What each subscriber receives (the entry as the knowledge base has it now)."""
        entry = self._entries(broadcast.kb_entry_id) if broadcast.kb_entry_id else None
        return render(broadcast.text, entry)

    def get(self, broadcast_id: int) -> BroadcastView | None:
        with self._sessions() as session:
            row = session.get(Broadcast, broadcast_id)
            return _view(row) if row else None

    def list(self, limit: int = 100) -> list[BroadcastView]:
        """The newest broadcasts first."""
        with self._sessions() as session:
            rows = session.execute(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
            return [_view(row) for row in rows.scalars()]

    def start(self, broadcast_id: int) -> int:
        """Start a draft: its recipients are the active subscribers now; their number.

        Starting again (a double click) changes nothing and returns 0."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            started = session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.state == DRAFT)
                .values(state=SENDING, started_at=now)
            ).rowcount
            if not started:
                return 0
            active = select(func.count()).select_from(Subscriber).where(Subscriber.state == ACTIVE)
            if not session.execute(active).scalar_one():
                raise BroadcastError("Belum ada pelanggan aktif; pengumuman tidak dikirim.")
            session.execute(
                insert(BroadcastRecipient).from_select(
                    ["broadcast_id", "conversation_id", "state", "attempts"],
                    select(
                        literal(broadcast_id),
                        Subscriber.conversation_id,
                        literal(PENDING),
                        literal(0),
                    ).where(Subscriber.state == ACTIVE),
                )
            )
            count = session.execute(
                select(func.count())
                .select_from(BroadcastRecipient)
                .where(BroadcastRecipient.broadcast_id == broadcast_id)
            ).scalar_one()
            session.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id).values(recipients_count=count)
            )
            return count

    def pause(self, broadcast_id: int) -> bool:
        return self._move(broadcast_id, (SENDING,), PAUSED)

    def resume(self, broadcast_id: int) -> bool:
        return self._move(broadcast_id, (PAUSED,), SENDING)

    def cancel(self, broadcast_id: int) -> bool:
        """Stop for good: recipients not reached yet stay unsent."""
        return self._move(broadcast_id, (DRAFT, SENDING, PAUSED), CANCELLED)

    def errors(self, broadcast_id: int, limit: int = 10) -> list[tuple[str, int]]:
        """The most frequent errors of the broadcast's recipients, with their counts."""
        with self._sessions() as session:
            rows = session.execute(
                select(BroadcastRecipient.error, func.count())
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.error.is_not(None),
                )
                .group_by(BroadcastRecipient.error)
                .order_by(func.count().desc())
                .limit(limit)
            )
            return [(error, count) for error, count in rows]

    def recipient_states(self, broadcast_id: int) -> dict[str, int]:
        """How many recipient rows are in each state (rows left after retention)."""
        with self._sessions() as session:
            rows = session.execute(
                select(BroadcastRecipient.state, func.count())
                .where(BroadcastRecipient.broadcast_id == broadcast_id)
                .group_by(BroadcastRecipient.state)
            )
            return dict(rows.all())

    # --- Privacy --------------------------------------------------------------
    def forget(self, conversation_id: str) -> int:
        """Erase a conversation: its subscriber row and recipient rows; rows deleted.

        A recipient not reached yet leaves its broadcast's total too; the counters
        of those already reached stay (they are figures, not personal data)."""
        with self._sessions() as session, session.begin():
            waiting = session.execute(
                select(BroadcastRecipient.broadcast_id).where(
                    BroadcastRecipient.conversation_id == conversation_id,
                    BroadcastRecipient.state.in_((PENDING, SENDING)),
                )
            ).scalars()
            for broadcast_id in list(waiting):
                session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id)
                    .values(recipients_count=Broadcast.recipients_count - 1)
                )
            removed = session.execute(
                delete(BroadcastRecipient).where(
                    BroadcastRecipient.conversation_id == conversation_id
                )
            ).rowcount
            return (
                removed
                + session.execute(
                    delete(Subscriber).where(Subscriber.conversation_id == conversation_id)
                ).rowcount
            )

    def purge_before(self, cutoff: dt.datetime, dry_run: bool = False) -> int:
        """Delete the recipient rows of broadcasts finished before ``cutoff``; rows deleted
        (a dry run only counts them). The broadcasts keep their counters."""
        finished = select(Broadcast.id).where(
            Broadcast.finished_at.is_not(None), Broadcast.finished_at < cutoff
        )
        with self._sessions() as session, session.begin():
            if dry_run:
                return session.execute(
                    select(func.count())
                    .select_from(BroadcastRecipient)
                    .where(BroadcastRecipient.broadcast_id.in_(finished))
                ).scalar_one()
            return session.execute(
                delete(BroadcastRecipient)
                .where(BroadcastRecipient.broadcast_id.in_(finished))
                .execution_options(synchronize_session=False)
            ).rowcount

    # --- The worker -------------------------------------------------------------
    def sendable(self) -> list[int]:
        """Broadcasts in ``sending`` whose lease is free (no live worker), oldest first."""
        now = self._clock()
        with self._sessions() as session:
            return list(
                session.execute(
                    select(Broadcast.id)
                    .where(
                        Broadcast.state == SENDING,
                        or_(Broadcast.lease_until.is_(None), Broadcast.lease_until < now),
                    )
                    .order_by(Broadcast.id)
                ).scalars()
            )

    def acquire(self, broadcast_id: int, owner: str, seconds: float) -> bool:
        """Take the broadcast's lease: it is sending and no other live worker holds it,
        nor another broadcast (one at a time keeps Telegram's overall limit)."""
        now = self._clock()
        other_live = (
            select(Broadcast.id)
            .where(
                Broadcast.id != broadcast_id,
                Broadcast.lease_until > now,
                Broadcast.lease_owner != owner,
            )
            .exists()
        )
        with self._sessions() as session, session.begin():
            taken = session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    Broadcast.state == SENDING,
                    or_(
                        Broadcast.lease_until.is_(None),
                        Broadcast.lease_until < now,
                        Broadcast.lease_owner == owner,
                    ),
                    ~other_live,
                )
                .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=seconds))
                .execution_options(synchronize_session=False)
            ).rowcount
            return bool(taken)

    def renew(self, broadcast_id: int, owner: str, seconds: float) -> bool:
        """Extend the lease; False when it was lost (expired and taken) or the
        broadcast is no longer sending (paused, cancelled)."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            return bool(
                session.execute(
                    update(Broadcast)
                    .where(
                        Broadcast.id == broadcast_id,
                        Broadcast.state == SENDING,
                        Broadcast.lease_owner == owner,
                        Broadcast.lease_until > now,
                    )
                    .values(lease_until=now + dt.timedelta(seconds=seconds))
                ).rowcount
            )

    def release(self, broadcast_id: int, owner: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def abandon_in_flight(self, broadcast_id: int) -> int:
        """Recipients a dead worker was sending to become ``unknown`` (Telegram may
        have delivered them: never sent again); how many. Call with the lease held."""
        with self._sessions() as session, session.begin():
            stale = list(
                session.execute(
                    select(BroadcastRecipient.id).where(
                        BroadcastRecipient.broadcast_id == broadcast_id,
                        BroadcastRecipient.state == SENDING,
                    )
                ).scalars()
            )
            for recipient_id in stale:
                self._finish_in(session, recipient_id, UNKNOWN, ABANDONED)
            return len(stale)

    def claim(self, broadcast_id: int, owner: str) -> Claim | None:
        """The next pending recipient, moved to ``sending`` by one conditional UPDATE
        that also requires ``owner``'s live lease on a sending broadcast; None when
        nothing is pending or the lease is gone."""
        now = self._clock()
        leased = exists().where(
            Broadcast.id == broadcast_id,
            Broadcast.state == SENDING,
            Broadcast.lease_owner == owner,
            Broadcast.lease_until > now,
        )
        with self._sessions() as session, session.begin():
            for _ in range(3):  # another claim took the first: try the next
                first = session.execute(
                    select(BroadcastRecipient)
                    .where(
                        BroadcastRecipient.broadcast_id == broadcast_id,
                        BroadcastRecipient.state == PENDING,
                    )
                    .order_by(BroadcastRecipient.id)
                    .limit(1)
                ).scalar_one_or_none()
                if first is None:
                    return None
                claimed = session.execute(
                    update(BroadcastRecipient)
                    .where(
                        BroadcastRecipient.id == first.id,
                        BroadcastRecipient.state == PENDING,
                        leased,
                    )
                    .values(state=SENDING, attempts=BroadcastRecipient.attempts + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed:
                    return Claim(first.id, first.conversation_id, first.attempts + 1)
                if not session.execute(select(leased)).scalar():
                    return None
            return None

    def requeue(self, recipient_id: int, error: str) -> None:
        """Back to ``pending``: Telegram refused for now (flood limit), nothing delivered."""
        with self._sessions() as session, session.begin():
            session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id == recipient_id, BroadcastRecipient.state == SENDING)
                .values(state=PENDING, error=error[:500])
            )

    def finish(
        self, recipient_id: int, state: str, error: str | None = None, message_id: int | None = None
    ) -> None:
        """Record a recipient's outcome and count it on the broadcast; ``blocked`` also
        makes the subscriber inactive. A recipient no longer ``sending`` (declared
        unknown after this worker lost its lease) is left as it is."""
        with self._sessions() as session, session.begin():
            self._finish_in(session, recipient_id, state, error, message_id)

    def complete(self, broadcast_id: int) -> bool:
        """``sending`` -> ``done`` when no recipient is pending or being sent."""
        busy = exists().where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.state.in_((PENDING, SENDING)),
        )
        with self._sessions() as session, session.begin():
            return bool(
                session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.state == SENDING, ~busy)
                    .values(state=DONE, finished_at=self._clock())
                    .execution_options(synchronize_session=False)
                ).rowcount
            )

    # --- Internals -------------------------------------------------------------
    def _finish_in(
        self,
        session,
        recipient_id: int,
        state: str,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        row = session.get(BroadcastRecipient, recipient_id)
        changed = session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id == recipient_id, BroadcastRecipient.state == SENDING)
            .values(
                state=state,
                error=error[:500] if error else None,
                sent_at=self._clock() if state == SENT else None,
                telegram_message_id=message_id,
            )
        ).rowcount
        if not changed or row is None:
            return
        counter = COUNTERS[state]
        session.execute(
            update(Broadcast)
            .where(Broadcast.id == row.broadcast_id)
            .values({counter.key: counter + 1})
        )
        if state == BLOCKED:
            session.execute(
                update(Subscriber)
                .where(
                    Subscriber.conversation_id == row.conversation_id,
                    Subscriber.state == ACTIVE,
                )
                .values(state=INACTIVE, since=self._clock(), reason=(error or "diblokir")[:200])
            )

    def _move(self, broadcast_id: int, sources: tuple[str, ...], target: str) -> bool:
        values: dict[str, object] = {"state": target}
        if target == CANCELLED:
            values["finished_at"] = self._clock()
        with self._sessions() as session, session.begin():
            return bool(
                session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.state.in_(sources))
                    .values(**values)
                ).rowcount
            )


def totals(rows: list[BroadcastView]) -> dict[str, int]:
    """Recipients, sent, failed, blocked and unknown summed over ``rows``."""
    return {
        "recipients": sum(r.recipients for r in rows),
        "sent": sum(r.sent for r in rows),
        "failed": sum(r.failed for r in rows),
        "blocked": sum(r.blocked for r in rows),
        "unknown": sum(r.unknown for r in rows),
    }
