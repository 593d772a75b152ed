"""Rasa's tracker store seen from bot/ (no Rasa import): forget or purge conversations.

The store (channels/tracker_store.py) keeps every event of a conversation in one
table, ``events``, keyed by ``sender_id`` (the conversation id): the applicant's
texts, the message metadata (display name, sealed contacts) and the slots. Nothing
in the reports reads it, so applicant data leaves it by deleting events: a
forgotten conversation has no events, and when the applicant writes again Rasa
starts a new tracker, as for anyone new. Deletes run in short transactions of at
most ``batch_rows`` events, so Rasa's turns wait for milliseconds, not for a purge.

Where the store is comes from the settings the Rasa server uses: the endpoints
file's ``tracker_store.dialect`` (``sqlite``: ``SSCN_TRACKER_DB``, relative to the
repository; ``postgresql``: ``SSCN_TRACKER_HOST``/``PORT``/``USER``/``PASSWORD``
and the database ``SSCN_TRACKER_DB``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.engine import URL, Engine, create_engine, make_url

from bot.config import PROJECT_ROOT, Settings

BATCH_ROWS = 5000
SESSION_STARTED = "session_started"

_metadata = MetaData()
EVENTS = Table(  # the columns of Rasa's SQLEvent that are read or matched here
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("data", Text),
)


def tracker_url(settings: Settings) -> URL | None:
    """The tracker store's database, as the configured endpoints file names it; None
    when that file configures no SQL tracker store."""
    try:
        endpoints = yaml.safe_load(settings.endpoints.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return None
    store = endpoints.get("tracker_store") or {}
    if not str(store.get("type", "")).endswith("SQLTrackerStore"):
        return None
    if store.get("dialect", "sqlite") == "postgresql":
        return URL.create(
            "postgresql+psycopg2",
            username=settings.tracker_user or None,
            password=settings.tracker_password or None,
            host=settings.tracker_host,
            port=settings.tracker_port,
            database=settings.tracker_db,
        )
    path = Path(settings.tracker_db)
    return make_url(f"sqlite:///{path if path.is_absolute() else PROJECT_ROOT / path}")


class TrackerEvents:
    """Deletes a conversation's events, or those past retention, in short batches."""

    def __init__(self, engine: Engine, batch_rows: int = BATCH_ROWS) -> None:
        self.engine = engine
        self.batch_rows = batch_rows

    @classmethod
    def from_url(cls, url: URL | str, connect_timeout: int = 3) -> TrackerEvents:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            args: dict = {"timeout": 30}  # wait for a turn's write, as Rasa does
        else:
            args = {"connect_timeout": connect_timeout}
        return cls(create_engine(parsed, future=True, pool_pre_ping=True, connect_args=args))

    def _exists(self) -> bool:
        """Whether the store holds a table of events (a missing SQLite file is not made)."""
        database = self.engine.url.database
        on_disk = self.engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
        if on_disk and not Path(database).exists():
            return False
        with self.engine.connect() as connection:
            return self.engine.dialect.has_table(connection, EVENTS.name)

    def forget(self, conversation_id: str) -> int:
        """Delete every event of one conversation; how many."""
        if not self._exists():
            return 0
        return self._delete_while(lambda: EVENTS.c.sender_id == conversation_id)

    def purge(
        self, cutoff: dt.datetime, protected: Callable[[str], bool], dry_run: bool = False
    ) -> int:
        """Delete, for each conversation not ``protected``, its events older than
        ``cutoff`` that Rasa no longer loads: all of them when the conversation's newest
        event is older, else those before its latest session start. How many."""
        if not self._exists():
            return 0
        limit = cutoff.timestamp()
        whole: list[tuple[str, int]] = []
        partial: list[tuple[str, float]] = []
        for sender, threshold, events in self._candidates(limit):
            if protected(sender):
                continue
            if threshold is None:
                whole.append((sender, events))
            else:
                partial.append((sender, threshold))
        total = 0
        for senders in self._groups(whole):
            total += (
                sum(events for _, events in senders)
                if dry_run
                else self._delete_while(  # a turn that just arrived keeps its events
                    lambda senders=senders: (
                        EVENTS.c.sender_id.in_([s for s, _ in senders])
                        & (EVENTS.c.timestamp < limit)
                    )
                )
            )
        for sender, threshold in partial:
            condition = (EVENTS.c.sender_id == sender) & (EVENTS.c.timestamp < threshold)
            total += (
                self._count(condition) if dry_run else self._delete_while(lambda c=condition: c)
            )
        return total

    def _candidates(self, limit: float) -> Iterable[tuple[str, float | None, int]]:
        """Conversations with events older than ``limit``: (sender, delete before this
        timestamp, or None for all; how many events it has)."""
        started = func.max(sql_case((EVENTS.c.type_name == SESSION_STARTED, EVENTS.c.timestamp)))
        query = (
            select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp), started, func.count())
            .group_by(EVENTS.c.sender_id)
            .having(func.min(EVENTS.c.timestamp) < limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        for sender, newest, session_start, events in rows:
            if newest is not None and newest < limit:
                yield sender, None, int(events)
            elif session_start is not None:  # still talking: earlier sessions only
                yield sender, min(limit, session_start), int(events)

    def _groups(self, senders: list[tuple[str, int]]) -> Iterable[list[tuple[str, int]]]:
        """Senders in groups of at most ``batch_rows`` events (and 500 names)."""
        group: list[tuple[str, int]] = []
        rows = 0
        for sender, events in senders:
            if group and (rows + events > self.batch_rows or len(group) >= 500):
                yield group
                group, rows = [], 0
            group.append((sender, events))
            rows += events
        if group:
            yield group

    def _count(self, condition) -> int:
        with self.engine.connect() as connection:
            query = select(func.count()).select_from(EVENTS).where(condition)
            return connection.execute(query).scalar_one()

    def _delete_while(self, condition: Callable) -> int:
        """Delete the rows matching ``condition()`` in transactions of ``batch_rows``."""
        deleted = 0
        while True:
            with self.engine.begin() as connection:
                ids = (
                    select(EVENTS.c.id)
                    .where(condition())
                    .order_by(EVENTS.c.id)
                    .limit(self.batch_rows)
                )
                batch = list(connection.execute(ids).scalars())
                if batch:
                    connection.execute(delete(EVENTS).where(EVENTS.c.id.in_(batch)))
            deleted += len(batch)
            if len(batch) < self.batch_rows:
                return deleted
