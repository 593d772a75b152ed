"""Lookups recorded with their outcome, and the "was this helpful?" feedback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.ledger.db import make_sessionmaker
from bot.ledger.lookups import (
    FEEDBACK_WINDOW,
    outcome_of,
    record_feedback,
    record_lookup,
)
from bot.ledger.models import KbLookup

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("answered", "offered", "outcome"),
    [
        (0.95, None, "answered"),
        (0.9, None, "answered"),
        (0.89, None, "low_confidence"),
        (0.8, None, "low_confidence"),
        (0.7, None, "low_confidence"),  # a follow-up read in context may pass under it
        (None, 0.6, "low_confidence"),  # entries offered to choose from
        (None, None, "unanswered"),
    ],
)
def test_outcome_of_a_lookup(answered, offered, outcome):
    assert outcome_of(answered, offered, threshold=0.8) == outcome


def rows(sessions) -> list[KbLookup]:
    with sessions() as session:
        return session.scalars(select(KbLookup).order_by(KbLookup.id)).all()


def test_lookups_keep_conversation_confidence_and_outcome(engine):
    sessions = make_sessionmaker(engine)
    record_lookup(
        sessions,
        "telegram",
        None,
        "nik 3201234567890123 ditolak " + "x" * 600,
        NOW,
        conversation_id="telegram:9",
        confidence=0.61,
        outcome="low_confidence",
    )
    record_lookup(sessions, "webchat", "lupa_password", "lupa pw", NOW)
    unsure, answered = rows(sessions)
    assert (unsure.conversation_id, unsure.confidence, unsure.outcome) == (
        "telegram:9",
        0.61,
        "low_confidence",
    )
    assert "3201234567890123" not in unsure.text and len(unsure.text) == 500
    assert answered.outcome == "answered" and answered.conversation_id is None


def test_feedback_marks_the_conversations_latest_recent_lookup(engine):
    sessions = make_sessionmaker(engine)
    for minutes, conversation in ((0, "telegram:1"), (5, "telegram:1"), (6, "telegram:2")):
        record_lookup(
            sessions,
            "telegram",
            None,
            "tanya",
            NOW + dt.timedelta(minutes=minutes),
            conversation_id=conversation,
        )
    later = NOW + dt.timedelta(minutes=10)
    assert record_feedback(sessions, "telegram:1", False, later)
    assert [row.feedback for row in rows(sessions)] == [None, "unhelpful", None]
    assert record_feedback(sessions, "telegram:1", True, later)  # the later answer wins
    assert [row.feedback for row in rows(sessions)] == [None, "helpful", None]
    assert not record_feedback(sessions, "telegram:3", False, later)
    too_late = NOW + dt.timedelta(minutes=6) + FEEDBACK_WINDOW + dt.timedelta(seconds=1)
    assert not record_feedback(sessions, "telegram:2", False, too_late)
    assert [row.feedback for row in rows(sessions)] == [None, "helpful", None]
