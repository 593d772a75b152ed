"""Our SQL tracker store stores exactly what Rasa's does, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import stat
import time

import pytest
import sqlalchemy
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from channels.tracker_store import STORED_EVENTS, SQLTrackerStore
from devtools.tcp_proxy import TcpProxy

DOMAIN = Domain.from_path("domain.yml")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    schema = url.query["options"].split("=")[-1]
    request.getfixturevalue("monkeypatch").setenv("POSTGRESQL_SCHEMA", schema)
    yield SQLTrackerStore(
        domain=DOMAIN,
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
    )


def turn(text: str) -> list:
    return [UserUttered(text), ActionExecuted("action_answer"), BotUttered(text.upper())]


def run(coroutine):
    return asyncio.run(coroutine)


def test_turns_are_stored_once_and_in_order(store):
    tracker = run(store.get_or_create_tracker("u1"))
    for text in ("satu", "dua"):
        for event in turn(text):
            tracker.update(event)
        run(store.save(tracker))
        run(store.save(tracker))  # saving again adds nothing
    loaded = run(store.retrieve("u1"))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["satu", "dua"]
    assert len(loaded.events) == len(tracker.events)
    assert getattr(loaded, STORED_EVENTS) == len(loaded.events)


def test_a_tracker_the_store_did_not_load_is_still_saved_correctly(store):
    first = run(store.get_or_create_tracker("u2"))
    for event in turn("satu"):
        first.update(event)
    run(store.save(first))
    rebuilt = DialogueStateTracker.from_events("u2", list(first.events) + turn("dua"))
    assert not hasattr(rebuilt, STORED_EVENTS)
    run(store.save(rebuilt))
    loaded = run(store.retrieve("u2"))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["satu", "dua"]


def test_a_new_session_counts_from_its_start(store):
    tracker = run(store.get_or_create_tracker("u3"))
    for event in [*turn("lama"), SessionStarted(), *turn("baru")]:
        tracker.update(event)
    run(store.save(tracker))
    loaded = run(store.retrieve("u3"))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["baru"]
    for event in turn("lagi"):
        loaded.update(event)
    run(store.save(loaded))
    full = run(store.retrieve_full_tracker("u3"))
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == ["lama", "baru", "lagi"]


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_rasa_uses_it_for_the_configured_type():
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(
        type="channels.tracker_store.SQLTrackerStore", dialect="sqlite", db=":memory:"
    )
    created = TrackerStore.create(config, DOMAIN)
    # Rasa wraps the store it creates (fail-safe, awaitable wrappers).
    while hasattr(created, "_tracker_store"):
        created = created._tracker_store
    assert isinstance(created, SQLTrackerStore)


def test_loading_gives_what_rasas_own_loading_gives(store):
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import EventVerbosity

    tracker = DialogueStateTracker.from_events(
        "u4",
        [
            *turn("lama"),
            SessionStarted(),
            *turn("baru"),
            SlotSet("case_topic", "akun_nik"),
            *turn("lagi"),
        ],
        DOMAIN.slots,
    )
    run(store.save(tracker))
    for all_sessions in (False, True):
        ours = run(store._retrieve("u4", all_sessions))
        rasas = run(RasaSQLTrackerStore._retrieve(store, "u4", all_sessions))
        assert ours.current_state(EventVerbosity.ALL) == rasas.current_state(EventVerbosity.ALL)
    assert run(store.retrieve("nobody")) is None


def test_the_sqlite_file_is_private_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        store = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
        with store.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        os.umask(previous)
    for path in tmp_path.glob("t.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_postgresql_restart_costs_no_turn_and_an_outage_fails_fast(postgres_url, monkeypatch):
    """docs/FAULTS.md, c: the connections die with the server; the next save gets a new
    one. While the server is unreachable a save fails at once instead of hanging."""
    url = make_url(postgres_url)
    monkeypatch.setenv("POSTGRESQL_SCHEMA", url.query["options"].split("=")[-1])
    proxy = TcpProxy(url.port or 5432, url.host)
    proxy.start()
    try:
        store = SQLTrackerStore(
            domain=DOMAIN,
            dialect="postgresql",
            host="127.0.0.1",
            port=proxy.port,
            db=url.database,
            username=url.username,
        )
        tracker = run(store.get_or_create_tracker("u9"))
        for event in turn("sebelum"):
            tracker.update(event)
        run(store.save(tracker))
        proxy.stop()  # a restart between two turns: every pooled connection dies
        proxy.start()
        for event in turn("sesudah"):
            tracker.update(event)
        run(store.save(tracker))  # the next turn is saved, on a fresh connection
        proxy.stop()  # down for a while
        for event in turn("selama"):
            tracker.update(event)
        started = time.monotonic()
        with pytest.raises(OperationalError):
            run(store.save(tracker))
        assert time.monotonic() - started < 5
        proxy.start()  # back: the very next turn is saved
        run(store.save(tracker))
        loaded = run(store.retrieve("u9"))
    finally:
        proxy.stop()
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == [
        "sebelum",
        "sesudah",
        "selama",
    ]


def _stored_rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.exec_driver_sql(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data"
                " FROM events ORDER BY id"
            )
        ]


def test_rows_are_the_ones_rasa_writes(tmp_path):
    ours = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"))
    rasas = RasaSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    parse = {"intent": {"name": "question", "confidence": 0.9}, "entities": [], "text": "x"}
    events = [
        UserUttered("kapan daftar", parse["intent"], [], parse, timestamp=1.0),
        ActionExecuted("action_answer", timestamp=2.0),
        BotUttered("Jadwal...", {"buttons": []}, timestamp=3.0),
    ]
    for store in (ours, rasas):
        tracker = run(store.get_or_create_tracker("same"))
        for event in events:
            tracker.update(event)
        run(store.save(tracker))
    stored = _stored_rows(ours.engine)
    # The session-start rows carry the wall clock; the turn's rows must be identical.
    assert stored[-3:] == _stored_rows(rasas.engine)[-3:]
    assert [row[3] for row in stored[-3:]] == ["question", None, None]
    assert [row[4] for row in stored[-3:]] == [None, "action_answer", None]


def test_a_new_conversation_is_saved_without_counting(tmp_path):
    ours = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    store = FailSafeTrackerStore(ours)  # as Rasa wraps it
    statements: list[str] = []
    sqlalchemy.event.listen(
        ours.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_args: statements.append(statement),
    )
    tracker = run(store.get_or_create_tracker("fresh"))
    for item in turn("halo"):
        tracker.update(item)
    run(store.save(tracker))
    assert not [s for s in statements if "count(" in s.lower()]
    assert len(run(store.retrieve("fresh")).events) == len(tracker.events)
    # A tracker built elsewhere (not loaded, not just created) is still counted.
    rebuilt = DialogueStateTracker.from_events("fresh", list(tracker.events) + turn("lagi"))
    run(store.save(rebuilt))
    assert [s for s in statements if "count(" in s.lower()]
    assert len(run(store.retrieve("fresh")).events) == len(rebuilt.events)
