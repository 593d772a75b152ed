"""Working-day arithmetic: weekends, holidays, Friday hours, breaks, year end."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from bot.ledger.calendar import (
    DEFAULT_HOURS,
    WIB,
    DaysOff,
    WorkingCalendar,
    configured_calendar,
    parse_service_hours,
    read_days_off,
)


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


def test_parse_service_hours():
    hours = parse_service_hours("mon-thu 08:00-12:00,12:30-15:30; fri 08:30-11:30,12:30-16:00")
    assert hours == dict(DEFAULT_HOURS)
    assert parse_service_hours("sat 09:00-12:00") == {5: ((dt.time(9), dt.time(12)),)}
    for wrong, message in (
        ("", "no service hours"),
        ("mon-xyz 08:00-12:00", "unknown day"),
        ("fri-mon 08:00-12:00", "no opening hours"),
        ("mon", "no opening hours"),
        ("mon 12:00-08:00", "closes before"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_service_hours(wrong)


def test_read_days_off(tmp_path):
    assert read_days_off(tmp_path / "missing.yml") == DaysOff({}, frozenset())
    path = tmp_path / "days.yml"
    path.write_text(
        "libur:\n  - {tanggal: 2027-03-08, nama: Cuti bersama Nyepi}\n  - tanggal: '2027-03-09'\n"
        "masuk:\n  - {tanggal: 2025-12-26}\n",
        encoding="utf-8",
    )
    days = read_days_off(path)
    assert days.off == {
        dt.date(2027, 3, 8): "Cuti bersama Nyepi",
        dt.date(2027, 3, 9): "cuti bersama",
    }
    assert days.worked == {dt.date(2025, 12, 26)}
    path.write_text("libur:\n  - {tanggal: 8 Maret}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        read_days_off(path)
    path.write_text("libur: 2027-03-08\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must be a list"):
        read_days_off(path)


def test_cuti_bersama_from_the_package_and_the_days_off_file(tmp_path):
    assert not WorkingCalendar().is_working_day(dt.date(2025, 12, 26))  # cuti bersama (Fri)
    path = tmp_path / "days.yml"
    path.write_text(
        "libur:\n  - {tanggal: 2027-03-10, nama: Cuti bersama Nyepi}\n"
        "masuk:\n  - {tanggal: 2025-12-26}\n",
        encoding="utf-8",
    )
    calendar = configured_calendar("mon-fri 08:00-16:00", path, WIB)
    assert calendar.is_working_day(dt.date(2025, 12, 26))  # listed under masuk: worked
    assert calendar.holiday_name(dt.date(2025, 12, 26)) is None
    assert not calendar.is_working_day(dt.date(2027, 3, 10))  # a Wednesday under libur
    assert calendar.holiday_name(dt.date(2027, 3, 10)) == "Cuti bersama Nyepi"
    friday = dt.datetime(2026, 11, 27, 9, tzinfo=WIB)
    assert calendar.add_working_days(friday, 1) == dt.datetime(2026, 11, 30, 16, tzinfo=WIB)
