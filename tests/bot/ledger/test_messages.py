"""The message log: one row per platform id, reply parts in order, cursors."""

from __future__ import annotations

import pytest

from bot.ledger.db import make_sessionmaker
from bot.ledger.messages import ANSWERED, PENDING, POSTED, PROCESSED, RECEIVED, MessageLog


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
