"""Timing metrics of a case, derived from its events (definitions: docs/METRICS.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.ledger.calendar import WorkingCalendar
from bot.ledger.lifecycle import CLOSED, Status
from bot.ledger.models import Case, CaseEvent

HUMAN_REPLY = "agent_reply"  # event type the agent console records for a message sent
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


def _events_in_order(case: Case) -> list[CaseEvent]:
    return sorted(case.events, key=lambda event: (event.at, event.id or 0))


def _first_status(events: Iterable[CaseEvent], statuses: frozenset[str]) -> dt.datetime | None:
    """When the status first changed to one of ``statuses``."""
    return next((e.at for e in events if e.type == "status" and e.new in statuses), None)


def resolved_at(case: Case) -> dt.datetime | None:
    """When the case first reached a closed status (selesai, ditolak, duplikat)."""
    return _first_status(_events_in_order(case), CLOSED_VALUES)


def case_timings(case: Case, calendar: WorkingCalendar) -> CaseTimings:
    """The four durations of a case; None for a milestone not reached yet."""
    events = _events_in_order(case)

    def duration(moment: dt.datetime | None) -> Duration | None:
        if moment is None:
            return None
        return Duration(
            at=moment,
            calendar_seconds=max(0.0, (moment - case.received_at).total_seconds()),
            working_seconds=calendar.working_seconds(case.received_at, moment),
        )

    first_reply = next((e.at for e in events if e.type == HUMAN_REPLY), None)
    return CaseTimings(
        first_human_response=duration(first_reply),
        verification=duration(_first_status(events, VERIFIED)),
        follow_up=duration(_first_status(events, FOLLOW_UP)),
        resolution=duration(_first_status(events, CLOSED_VALUES)),
    )


def rtl_days(timings: Sequence[CaseTimings]) -> float | None:
    """RTL: mean calendar days from receipt to follow-up, over cases followed up."""
    days = [t.follow_up.calendar_days for t in timings if t.follow_up is not None]
    return sum(days) / len(days) if days else None
