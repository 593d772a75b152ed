"""The clocks of a case: SLA, verification and follow-up (definitions: docs/METRICS.md).

Their times are stored on the case when the event that sets them happens (filing,
status change, forwarding, agent reply), so showing them needs no calendar maths:
:func:`case_clocks` only compares the stored times with now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.ledger.calendar import WorkingCalendar
from bot.ledger.lifecycle import CLOSED, Status
from bot.vocabulary import CaseEventType

SLA_WORKING_DAYS = 12  # BKN's commitment: follow up every complaint within 12 working days
VERIFICATION_WORKING_DAYS = 3  # SP4N-LAPOR!: verify a report within 3 working days
FOLLOWUP_WORKING_DAYS = 5  # a unit follows a forwarded report up within 5 working days
CLOSED_VALUES = frozenset(status.value for status in CLOSED)

ON_TIME, LATE, WAITING = "tepat waktu", "lewat batas", "menunggu"
CLOCK_NAMES = ("sla", "verification", "followup")


@dataclass(frozen=True)
class Clock:
    """One deadline of a case: when it is due, when it was met, and its state in words."""

    due_at: dt.datetime
    met_at: dt.datetime | None
    breached: bool  # met after the due time, or still unmet past it

    @property
    def state(self) -> str:
        """``tepat waktu`` (met in time), ``lewat batas`` (late) or ``menunggu`` (open)."""
        if self.breached:
            return LATE
        return ON_TIME if self.met_at is not None else WAITING


@dataclass(frozen=True)
class CaseClocks:
    """The three clocks of a case; ``followup`` is None until it is forwarded to a unit."""

    sla: Clock
    verification: Clock
    followup: Clock | None


def clock(due_at: dt.datetime, met_at: dt.datetime | None, now: dt.datetime) -> Clock:
    """A clock from its stored times, judged at ``now``."""
    return Clock(due_at, met_at, (met_at if met_at is not None else now) > due_at)


def case_clocks(case: Any, now: dt.datetime) -> CaseClocks:
    """The clocks of ``case`` (a Case or a row with the same clock columns) at ``now``."""
    followup = (
        clock(case.followup_due_at, case.followed_up_at, now)
        if case.followup_due_at is not None
        else None
    )
    return CaseClocks(
        sla=clock(case.sla_due_at, case.resolved_at, now),
        verification=clock(case.verification_due_at, case.verified_at, now),
        followup=followup,
    )


@dataclass(frozen=True)
class ClockTimes:
    """The stored clock columns of a case (what :func:`replay` computes from events)."""

    sla_due_at: dt.datetime
    resolved_at: dt.datetime | None
    verification_due_at: dt.datetime
    verified_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    followup_due_at: dt.datetime | None
    followed_up_at: dt.datetime | None


def receipt_clocks(received_at: dt.datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    """The clock columns set when a case is filed."""
    return {
        "sla_due_at": calendar.add_working_days(received_at, SLA_WORKING_DAYS),
        "verification_due_at": calendar.add_working_days(received_at, VERIFICATION_WORKING_DAYS),
    }


def replay(
    received_at: dt.datetime, events: Iterable[Any], calendar: WorkingCalendar
) -> ClockTimes:
    """The clock columns from a case's events in order (type, at, old, new): the same
    rules the ledger applies as the events happen (used to backfill older cases)."""
    times = {**receipt_clocks(received_at, calendar), "resolved_at": None, "verified_at": None}
    times |= {"forwarded_at": None, "followup_due_at": None, "followed_up_at": None}
    for event in events:
        if event.type == CaseEventType.STATUS:
            times |= status_changed(times, event.old, event.new, event.at)
        elif event.type == CaseEventType.ASSIGNED and event.new != event.old:
            times |= forwarded(event.at, calendar)
        elif event.type == CaseEventType.AGENT_REPLY:
            times |= replied(times, event.at)
    return ClockTimes(**times)


def status_changed(current: Any, old: str | None, new: str, at: dt.datetime) -> dict[str, Any]:
    """Clock columns a status change ``old -> new`` at ``at`` sets (``current``: a mapping
    or a Case with the columns so far)."""
    value = current.get if isinstance(current, dict) else lambda name: getattr(current, name)
    changes: dict[str, Any] = {}
    if old == Status.BELUM_DIVERIFIKASI and value("verified_at") is None:
        changes["verified_at"] = at
    if new in CLOSED_VALUES and value("resolved_at") is None:
        changes["resolved_at"] = at
    if value("forwarded_at") is not None and value("followed_up_at") is None:
        changes["followed_up_at"] = at
    return changes


def replied(current: Any, at: dt.datetime) -> dict[str, Any]:
    """Clock columns an agent's reply at ``at`` sets."""
    value = current.get if isinstance(current, dict) else lambda name: getattr(current, name)
    if value("forwarded_at") is not None and value("followed_up_at") is None:
        return {"followed_up_at": at}
    return {}


def forwarded(at: dt.datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    """Clock columns a forwarding to another unit sets: the follow-up clock restarts."""
    return {
        "forwarded_at": at,
        "followup_due_at": calendar.add_working_days(at, FOLLOWUP_WORKING_DAYS),
        "followed_up_at": None,
    }
