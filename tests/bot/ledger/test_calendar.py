"""Working-day arithmetic: weekends, holidays, Friday hours, breaks, year end."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from bot.ledger.calendar import WIB, WorkingCalendar


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)


CALENDAR = WorkingCalendar()


def test_weekends_and_public_holidays_are_not_working_days():
    assert CALENDAR.is_working_day(dt.date(2026, 11, 27))  # Friday
    assert not CALENDAR.is_working_day(dt.date(2026, 11, 28))  # Saturday
    assert not CALENDAR.is_working_day(dt.date(2026, 8, 17))  # Independence Day
    assert not CALENDAR.is_working_day(dt.date(2026, 12, 25))  # Christmas
    assert CALENDAR.holiday_name(dt.date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"


def test_extra_days_off_count_as_holidays():
    cuti = WorkingCalendar(extra_days_off=frozenset({dt.date(2026, 12, 24)}))
    assert not cuti.is_working_day(dt.date(2026, 12, 24))
    assert cuti.holiday_name(dt.date(2026, 12, 24)) == "cuti bersama"


def test_sla_due_skips_weekends_holidays_and_the_year_end():
    # Received Wed 23 Dec 2026. Working days after it: 24 Dec, (25 Christmas), 28, 29,
    # 30, 31 Dec, (1 Jan), 4, (5 Jan Isra Mi'raj), 6, 7, 8, 11, 12, 13 Jan -> 12th is 13 Jan.
    due = CALENDAR.add_working_days(at(2026, 12, 23, 10), 12)
    assert due == at(2027, 1, 13, 15, 30)
    assert CALENDAR.working_days_between(at(2026, 12, 23, 10), due) == 12


def test_due_on_a_friday_ends_at_friday_closing_time():
    assert CALENDAR.add_working_days(at(2026, 11, 26), 1) == at(2026, 11, 27, 16, 0)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 11, 23, 8), at(2026, 11, 23, 15, 30), 7.0),  # Monday: 7.5 h minus 30 min break
        (at(2026, 11, 27, 8), at(2026, 11, 27, 17), 6.5),  # Friday: 7.5 h minus 1 h break
        (at(2026, 11, 23, 11, 45), at(2026, 11, 23, 12, 45), 0.5),  # across the lunch break
        (at(2026, 11, 27, 15), at(2026, 11, 30, 9), 2.0),  # Friday 15:00 -> Monday 09:00
        (at(2026, 11, 28, 9), at(2026, 11, 29, 17), 0.0),  # a weekend
        (at(2026, 11, 23, 10), at(2026, 11, 23, 9), 0.0),  # end before start
    ],
)
def test_working_time_between_two_moments(start, end, hours):
    assert CALENDAR.working_seconds(start, end) == pytest.approx(hours * 3600)


def test_friday_before_a_holiday_to_tuesday():
    # Fri 14 Aug 2026 15:00 -> Tue 18 Aug 09:00; Mon 17 Aug is Independence Day.
    seconds = CALENDAR.working_seconds(at(2026, 8, 14, 15), at(2026, 8, 18, 9))
    assert seconds == pytest.approx(2.0 * 3600)  # 1 h on Friday + 1 h on Tuesday


def test_times_in_other_zones_are_converted_to_wib():
    utc_start = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)  # 08:00 WIB
    assert CALENDAR.working_seconds(utc_start, at(2026, 11, 23, 9)) == pytest.approx(3600)


def test_array_versions_agree_with_the_scalar_ones():
    """Reports use the vectorised working time and SLA due dates: same figures, any span."""
    rng = random.Random(7)
    base = dt.datetime(2026, 7, 25, tzinfo=WIB).timestamp()  # spans 17 Aug and a Sunday
    starts = np.array([base + rng.uniform(0, 40 * 86400) for _ in range(500)])
    ends = starts + np.array([rng.uniform(-3600, 25 * 86400) for _ in range(500)])
    starts[3], ends[4] = np.nan, np.nan
    worked = CALENDAR.working_seconds_many(starts, ends)
    due = CALENDAR.due_many(starts, 12)
    utc = dt.timezone.utc
    for start, end, seconds, deadline in zip(starts, ends, worked, due, strict=True):
        if np.isnan(start) or np.isnan(end):
            assert np.isnan(seconds)
            assert np.isnan(deadline) == np.isnan(start)
            continue
        first, last = dt.datetime.fromtimestamp(start, utc), dt.datetime.fromtimestamp(end, utc)
        assert seconds == pytest.approx(CALENDAR.working_seconds(first, last), abs=1e-3)
        assert deadline == CALENDAR.add_working_days(first, 12).timestamp()
