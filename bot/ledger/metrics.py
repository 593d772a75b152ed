"""Timing metrics of a case, derived from its events (definitions: docs/METRICS.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, select, type_coerce
from sqlalchemy import case as sql_case
from sqlalchemy.sql import ColumnElement, Select

from bot.ledger.calendar import WorkingCalendar
from bot.ledger.lifecycle import CLOSED, Status
from bot.ledger.models import Case, CaseEvent, UTCDateTime
from bot.vocabulary import CaseEventType

HUMAN_REPLY = CaseEventType.AGENT_REPLY  # what the console records for a message sent
FOLLOW_UP = frozenset({Status.DALAM_PROSES.value, Status.SELESAI.value})
CLOSED_VALUES = frozenset(status.value for status in CLOSED)
VERIFIED = frozenset(s.value for s in Status) - {Status.BELUM_DIVERIFIKASI.value}
DAY = 86_400.0


@dataclass(frozen=True)
class Duration:
    """From receipt to a milestone, in calendar and in working time."""

    at: dt.datetime
    calendar_seconds: float
    working_seconds: float

    @property
    def calendar_days(self) -> float:
        return self.calendar_seconds / DAY


@dataclass(frozen=True)
class CaseTimings:
    first_human_response: Duration | None
    verification: Duration | None
    follow_up: Duration | None
    resolution: Duration | None


@dataclass(frozen=True)
class Milestones:
    """When a case first reached each milestone (None: not reached yet)."""

    first_human_response: dt.datetime | None
    verified: dt.datetime | None
    followed_up: dt.datetime | None
    closed: dt.datetime | None


def _first_status(events: Iterable[CaseEvent], statuses: frozenset[str]) -> dt.datetime | None:
    """When the status first changed to one of ``statuses``."""
    return min(
        (e.at for e in events if e.type == CaseEventType.STATUS and e.new in statuses), default=None
    )


def milestones(events: Iterable[CaseEvent]) -> Milestones:
    """The milestones of a case from its events (any objects with type, new and at)."""
    events = list(events)
    return Milestones(
        first_human_response=min((e.at for e in events if e.type == HUMAN_REPLY), default=None),
        verified=_first_status(events, VERIFIED),
        followed_up=_first_status(events, FOLLOW_UP),
        closed=_first_status(events, CLOSED_VALUES),
    )


def _first_at(condition: ColumnElement) -> ColumnElement:
    return type_coerce(func.min(sql_case((condition, CaseEvent.at))), UTCDateTime())


def _status_in(statuses: frozenset[str]) -> ColumnElement:
    return and_(CaseEvent.type == CaseEventType.STATUS, CaseEvent.new.in_(sorted(statuses)))


def milestones_query() -> Select:
    """``(case_id, first_human_response, verified, followed_up, closed)`` per case, computed
    by the database with the same definitions as :func:`milestones` (for reports over many
    cases, where loading every event would take minutes)."""
    return select(
        CaseEvent.case_id,
        _first_at(CaseEvent.type == HUMAN_REPLY).label("first_human_response"),
        _first_at(_status_in(VERIFIED)).label("verified"),
        _first_at(_status_in(FOLLOW_UP)).label("followed_up"),
        _first_at(_status_in(CLOSED_VALUES)).label("closed"),
    ).group_by(CaseEvent.case_id)


def resolved_at(case: Case) -> dt.datetime | None:
    """When the case first reached a closed status (selesai, ditolak, duplikat)."""
    return _first_status(case.events, CLOSED_VALUES)


def case_timings(case: Case, calendar: WorkingCalendar) -> CaseTimings:
    """The four durations of a case; None for a milestone not reached yet."""
    reached = milestones(case.events)

    def duration(moment: dt.datetime | None) -> Duration | None:
        if moment is None:
            return None
        return Duration(
            at=moment,
            calendar_seconds=max(0.0, (moment - case.received_at).total_seconds()),
            working_seconds=calendar.working_seconds(case.received_at, moment),
        )

    return CaseTimings(
        first_human_response=duration(reached.first_human_response),
        verification=duration(reached.verified),
        follow_up=duration(reached.followed_up),
        resolution=duration(reached.closed),
    )
