"""Rasa's SQL tracker store without four per-turn costs.

Configured in endpoints.yml as ``type: channels.tracker_store.SQLTrackerStore``.

1. ``save`` asks the database how many events of the session it already holds
   (a COUNT over a sub-query) before inserting the new ones. A tracker this
   store has just loaded or saved knows that number, so it is remembered on
   the tracker, and the tracker Rasa creates right after a lookup found
   nothing starts at zero; other trackers still get the query. This is sound because the lock
   store lets one process at a time work on a conversation.
2. On SQLite (the embedded default) Rasa opens a new connection per
   transaction and commits with a full fsync in rollback-journal mode. Here
   connections are pooled, and WAL with ``synchronous=NORMAL`` keeps commits
   atomic and safe when a process dies (not on a power cut). Production uses
   PostgreSQL, which is left as Rasa configures it.
3. Loading a tracker, Rasa builds an ORM query and an ORM object for every
   stored event only to read its JSON; here the same query, built once as a
   Core statement, reads just that column.
4. Saving, Rasa adds an ORM object per new event and lets the unit of work
   flush them; here the same rows go in as one multi-row INSERT.

On PostgreSQL, pooled connections are checked before use (``pool_pre_ping``) and
connecting gives up after ``SSCN_DB_CONNECT_TIMEOUT`` seconds: after a database
restart the next turn gets a fresh connection instead of failing on a dead one,
and while it is down a turn fails within seconds (docs/FAULTS.md, c). Rasa calls
the store on the event loop, so a hanging connect would stall every conversation.

Under channels/lock_store.py's lock, ``save`` first checks that the turn's ticket
still holds the conversation (fencing) and refuses to save if it does not.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from rasa.core import tracker_store
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, create_engine, event, func, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Select

from bot.config import current_settings
from bot.ledger.db import create_private_file
from channels.lock_store import CURRENT_FENCE, LockError

STORED_EVENTS = "_sscn_stored_events"  # attribute set on trackers this store loaded/saved
# The conversation whose lookup in this task found nothing stored: Rasa then creates
# its tracker (in its FailSafeTrackerStore wrapper, so not through this class) and
# saves it at once; that first save needs no count.
_NOTHING_STORED: ContextVar[str | None] = ContextVar("sscn_nothing_stored", default=None)


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """The ``events`` row of ``event``, as Rasa's own ``save`` writes it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _just_created(tracker: DialogueStateTracker) -> bool:
    """What ``TrackerStore.create_tracker`` saves: one ``action_listen``, nothing else."""
    events = list(tracker.events)
    return (
        len(events) == 1
        and isinstance(events[0], ActionExecuted)
        and events[0].action_name == ACTION_LISTEN_NAME
    )


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class SQLTrackerStore(tracker_store.SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("dialect") == "sqlite" and kwargs.get("db") not in (None, "", ":memory:"):
            create_private_file(Path(kwargs["db"]))  # before Rasa creates it
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(
                url, poolclass=QueuePool, connect_args={"check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_wal)
            self.sessionmaker = sessionmaker(bind=self.engine)
        elif self.engine.dialect.name == "postgresql":
            url = self.engine.url
            options = tracker_store.create_engine_kwargs(url)
            connect_args = {
                **options.pop("connect_args", {}),
                "connect_timeout": current_settings().db_connect_timeout,
            }
            self.engine.dispose()
            self.engine = create_engine(
                url, pool_pre_ping=True, connect_args=connect_args, **options
            )
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's query, reading only the serialised events (no ORM object per row)."""
        with self.session_scope() as session:
            rows = session.execute(
                self._events_statement(fetch_events_from_all_sessions), {"sender_id": sender_id}
            ).all()
        _NOTHING_STORED.set(None if rows else sender_id)  # see _additional_events
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(data) for (data,) in rows], self.domain.slots
        )
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    @functools.lru_cache(maxsize=2)  # noqa: B019 (one store per process, two statements)
    def _events_statement(self, all_sessions: bool) -> Select:
        """Rasa's ``_event_query`` as a Core statement built once (the ORM query costs
        about 0.7 ms per turn to build and compile)."""
        events = self.SQLEvent.__table__
        sender = bindparam("sender_id")
        statement = select(events.c.data).where(events.c.sender_id == sender)
        if not all_sessions:  # events from the latest SessionStarted on, or all if none
            session_start = (
                select(func.max(events.c.timestamp))
                .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            statement = statement.where(
                or_(events.c.timestamp >= session_start, session_start.is_(None))
            )
        return statement.order_by(events.c.id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        fence = CURRENT_FENCE.get()
        ours = fence is not None and fence.conversation_id == tracker.sender_id
        if ours and not await fence.holds():  # it expired and may be someone else's now
            raise LockError(f"lock of {tracker.sender_id!r} lost before saving its turn")
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [
                _row(tracker.sender_id, event)
                for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(insert(self.SQLEvent.__table__), rows)
            session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None and _NOTHING_STORED.get() == tracker.sender_id and _just_created(tracker):
            stored = 0
        _NOTHING_STORED.set(None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))
