"""Working time: weekly service hours with breaks, Indonesian holidays, cuti bersama.

Defaults follow BKN's walk-in service standard (2019 report, 2.3.2.1):
Monday-Thursday 08.00-15.30 WIB with a break 12.00-12.30, Friday 08.30-16.00
WIB with a break 11.30-12.30; weekends and public holidays are not worked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[dt.time, dt.time]
WIB = ZoneInfo("Asia/Jakarta")
_t = dt.time
MON_THU: tuple[Interval, ...] = ((_t(8, 0), _t(12, 0)), (_t(12, 30), _t(15, 30)))
FRIDAY: tuple[Interval, ...] = ((_t(8, 30), _t(11, 30)), (_t(12, 30), _t(16, 0)))
DEFAULT_HOURS: Mapping[int, tuple[Interval, ...]] = {
    0: MON_THU,
    1: MON_THU,
    2: MON_THU,
    3: MON_THU,
    4: FRIDAY,
}


@dataclass(frozen=True)
class WorkingCalendar:
    """When the helpdesk works; all datetimes passed in must be timezone-aware."""

    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    extra_days_off: frozenset[dt.date] = frozenset()
    timezone: ZoneInfo = WIB

    @cached_property
    def _public_holidays(self) -> holidays.HolidayBase:
        return holidays.Indonesia()  # fills years lazily on lookup

    def is_working_day(self, day: dt.date) -> bool:
        """A weekday with service hours that is no public holiday or extra day off."""
        return (
            bool(self.hours.get(day.weekday()))
            and day not in self._public_holidays
            and day not in self.extra_days_off
        )

    def holiday_name(self, day: dt.date) -> str | None:
        if day in self.extra_days_off:
            return "cuti bersama"
        return self._public_holidays.get(day)

    def add_working_days(self, received: dt.datetime, days: int) -> dt.datetime:
        """End of service hours on the ``days``-th working day after the day of receipt."""
        day = received.astimezone(self.timezone).date()
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        closing = self.hours[day.weekday()][-1][1]
        return dt.datetime.combine(day, closing, tzinfo=self.timezone)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole working days after the day of ``start`` up to and including ``end``'s."""
        first = start.astimezone(self.timezone).date()
        last = end.astimezone(self.timezone).date()
        return sum(
            1 for day in _days(first + dt.timedelta(days=1), last) if self.is_working_day(day)
        )

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Seconds of service hours between two moments (0 when ``end`` <= ``start``)."""
        if end <= start:
            return 0.0
        start, end = start.astimezone(self.timezone), end.astimezone(self.timezone)
        total = 0.0
        for day in _days(start.date(), end.date()):
            if not self.is_working_day(day):
                continue
            for opens, closes in self.hours[day.weekday()]:
                window_start = max(start, dt.datetime.combine(day, opens, tzinfo=self.timezone))
                window_end = min(end, dt.datetime.combine(day, closes, tzinfo=self.timezone))
                total += max(0.0, (window_end - window_start).total_seconds())
        return total

    def working_day_length(self, day: dt.date) -> float:
        """Seconds of service hours on a working day's weekday."""
        return sum(
            (dt.datetime.combine(day, closes) - dt.datetime.combine(day, opens)).total_seconds()
            for opens, closes in self.hours.get(day.weekday(), ())
        )


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)
