"""The message log: one row per platform id, claimed by one handler at a time (on SQLite
and PostgreSQL, with threads racing), reply parts in order, cursors."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.ledger.db import make_sessionmaker
from bot.ledger.messages import (
    ADMITTED,
    ANSWERED,
    BUSY,
    DEFAULT_CLAIM_SECONDS,
    DONE,
    PENDING,
    POSTED,
    PROCESSED,
    RECEIVED,
    MessageLog,
)
from bot.ledger.models import Message
from bot.services import Services


@pytest.fixture
def log(engine):
    return MessageLog(make_sessionmaker(engine))


def test_an_inbound_message_is_recorded_once_per_platform_id(log):
    first, new = log.receive("telegram", "42", "1001", "nik 3201234567890123 ditolak")
    assert new and first.status == RECEIVED
    assert "3201234567890123" not in first.text
    again, new = log.receive("telegram", "42", "1001", "nik 3201234567890123 ditolak")
    assert not new and again.id == first.id
    other, new = log.receive("twitter", "42", "1001", "same id, other channel")
    assert new and other.id != first.id
    _, new = log.receive("webchat", "s1", None, "no platform id")
    _, also_new = log.receive("webchat", "s1", None, "no platform id")
    assert new and also_new


def test_reply_parts_are_kept_in_order_until_posted(log):
    mention, _ = log.receive("twitter", "u1", "t1", "@BKN lupa pw")
    parts = log.add_parts(mention, ["satu (1/2)", "dua (2/2)"])
    assert log.inbound("twitter", "t1").status == PROCESSED
    assert [p.text for p in log.parts(mention.id)] == ["satu (1/2)", "dua (2/2)"]
    assert {p.status for p in log.parts(mention.id)} == {PENDING}
    log.mark_posted(parts[0].id, "p1")
    log.set_status(mention.id, ANSWERED)
    posted = log.parts(mention.id)[0]
    assert (posted.status, posted.external_id) == (POSTED, "p1") and posted.done_at
    assert log.inbound("twitter", "t1").done_at is not None


def test_latest_inbound_and_cursors(log):
    log.receive("twitter", "u1", "t1", "pertama")
    log.receive("twitter", "u1", "t2", "kedua")
    assert log.latest_inbound("twitter", "u1").external_id == "t2"
    assert log.latest_inbound("twitter", "nobody") is None
    assert log.cursor("twitter:since_id") is None
    log.set_cursor("twitter:since_id", "t2")
    log.set_cursor("twitter:since_id", "t3")
    assert log.cursor("twitter:since_id") == "t3"


def test_a_sent_reply_is_recorded_redacted(log):
    sent = log.record_sent("telegram", "42", "hubungi 081234567890", author="ani")
    assert sent.status == "sent" and "081234567890" not in sent.text and sent.author == "ani"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_delivery_is_admitted_once_until_released_or_expired(engine):
    clock = Clock()
    log = MessageLog(make_sessionmaker(engine), clock, claim_seconds=120)
    first, outcome = log.admit("telegram", "telegram:42", "2001", "halo")
    assert outcome == ADMITTED and first.claimed_until == clock.now + dt.timedelta(seconds=120)
    assert log.admit("telegram", "telegram:42", "2001", "halo")[1] == BUSY
    log.release(first.id)  # handling failed: the next copy handles it
    again, outcome = log.admit("telegram", "telegram:42", "2001", "halo")
    assert (again.id, outcome) == (first.id, ADMITTED)
    clock.now += dt.timedelta(seconds=119)
    assert log.admit("telegram", "telegram:42", "2001", "halo")[1] == BUSY
    clock.now += dt.timedelta(seconds=2)  # the handler crashed: its claim expired
    assert log.admit("telegram", "telegram:42", "2001", "halo")[1] == ADMITTED
    log.set_status(first.id, ANSWERED)
    assert log.admit("telegram", "telegram:42", "2001", "halo")[1] == DONE
    log.release(first.id)  # too late: an answered message stays answered
    assert log.admit("telegram", "telegram:42", "2001", "halo")[1] == DONE


def test_the_claim_lease_comes_from_the_settings(engine):
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings.from_env({"SSCN_MESSAGE_CLAIM_SECONDS": "7.5", "SSCN_DATABASE_URL": url})
    services = Services(settings)
    try:
        row, _ = services.message_log.admit("twitter", "twitter:1", "9", "x")
    finally:
        services.engine.dispose()
    assert row.claimed_until - row.at == dt.timedelta(seconds=7.5)
    clock = Clock()
    row, _ = MessageLog(make_sessionmaker(engine), clock).admit("twitter", "twitter:2", "10", "x")
    assert row.claimed_until == clock.now + dt.timedelta(seconds=DEFAULT_CLAIM_SECONDS)


@pytest.mark.parametrize("released", [False, True])
def test_racing_copies_are_admitted_exactly_once(engine, released):
    """Threads with their own log (as separate Rasa instances) deliver one update at once,
    first when it is new, then (after a failed attempt released it) when it is received."""
    sessions = make_sessionmaker(engine)
    if released:
        row, _ = MessageLog(sessions).admit("telegram", "telegram:7", "3001", "halo")
        MessageLog(sessions).release(row.id)
    copies = 8
    barrier = threading.Barrier(copies)

    def deliver(_: int) -> str:
        log = MessageLog(sessions)
        barrier.wait()
        return log.admit("telegram", "telegram:7", "3001", "halo")[1]

    with ThreadPoolExecutor(copies) as pool:
        outcomes = list(pool.map(deliver, range(copies)))
    assert sorted(outcomes) == [ADMITTED] + [BUSY] * (copies - 1)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Message)).scalar() == 1
