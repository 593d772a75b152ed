"""Timing metrics on hand-built cases with known answers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.ledger.calendar import WIB, WorkingCalendar
from bot.ledger.metrics import case_timings
from bot.ledger.models import Case, CaseEvent


def at(month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def case(received: dt.datetime, *events: tuple[dt.datetime, str, str | None]) -> Case:
    built = Case(ticket="SSCN-2026-00001", received_at=received, status="belum_diverifikasi")
    built.events = [
        CaseEvent(id=0, at=received, actor="bot", type="created", new="belum_diverifikasi")
    ]
    for number, (moment, type_, new) in enumerate(events, start=1):
        built.events.append(CaseEvent(id=number, at=moment, actor="agen", type=type_, new=new))
    return built


CALENDAR = WorkingCalendar()


def test_friday_afternoon_before_a_holiday_resolved_on_tuesday():
    # Received Fri 14 Aug 2026 15:00; Mon 17 Aug is Independence Day.
    timings = case_timings(
        case(
            at(8, 14, 15),
            (at(8, 14, 15, 30), "agent_reply", None),
            (at(8, 18, 8, 30), "status", "belum_ditindaklanjuti"),
            (at(8, 18, 8, 45), "status", "dalam_proses"),
            (at(8, 18, 9), "status", "selesai"),
        ),
        CALENDAR,
    )
    assert timings.first_human_response.working_seconds == pytest.approx(30 * 60)
    assert timings.verification.working_seconds == pytest.approx(1.5 * 3600)
    assert timings.follow_up.working_seconds == pytest.approx(1.75 * 3600)
    assert timings.resolution.working_seconds == pytest.approx(2 * 3600)  # 1 h Fri + 1 h Tue
    assert timings.resolution.calendar_seconds == pytest.approx((3 * 24 + 18) * 3600)


def test_milestones_not_reached_are_none_and_rejection_counts_as_resolution():
    open_case = case_timings(case(at(11, 23, 9)), CALENDAR)
    assert open_case.verification is open_case.follow_up is open_case.resolution is None
    rejected = case_timings(case(at(11, 23, 9), (at(11, 24, 9), "status", "ditolak")), CALENDAR)
    assert rejected.verification.calendar_days == pytest.approx(1.0)
    assert rejected.follow_up is None
    assert rejected.resolution.calendar_days == pytest.approx(1.0)
