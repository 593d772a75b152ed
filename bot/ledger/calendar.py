"""Working time: weekly service hours with breaks, Indonesian holidays, cuti bersama.

Defaults follow BKN's walk-in service standard (2019 report, 2.3.2.1):
Monday-Thursday 08.00-15.30 WIB with a break 12.00-12.30, Friday 08.30-16.00
WIB with a break 11.30-12.30; weekends and public holidays are not worked.

Days off: Indonesia's public holidays and the cuti bersama the ``holidays``
package knows (its "government" category, which follows the yearly SKB of three
ministers), plus the file Humas edits (``SSCN_DAYS_OFF_FILE``) for the years the
package does not cover yet, or for a change: a date under ``libur`` is a day off,
a date under ``masuk`` is worked although the package lists it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import yaml

Interval = tuple[dt.time, dt.time]
WIB = ZoneInfo("Asia/Jakarta")
HOUR_SECONDS = 3600.0
DAY_SECONDS = 86400.0
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
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
    extra_working_days: frozenset[dt.date] = frozenset()
    names: Mapping[dt.date, str] = field(default_factory=dict)  # names of extra days off

    @cached_property
    def _public_holidays(self) -> holidays.HolidayBase:
        # Fills years lazily on lookup; "government" adds the cuti bersama.
        return holidays.Indonesia(categories=("public", "government"), language="id")

    @cached_property
    def _windows_of_day(self) -> dict[dt.date, tuple[tuple[dt.datetime, dt.datetime], ...]]:
        """Memo of :meth:`_windows` (reports compute working time for 100,000s of cases)."""
        return {}

    def _windows(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """The service-hour windows of ``day`` as aware datetimes; empty on days off."""
        windows = self._windows_of_day.get(day)
        if windows is None:
            worked = (
                bool(self.hours.get(day.weekday()))
                and (day not in self._public_holidays or day in self.extra_working_days)
                and day not in self.extra_days_off
            )
            windows = tuple(
                (
                    dt.datetime.combine(day, opens, tzinfo=self.timezone),
                    dt.datetime.combine(day, closes, tzinfo=self.timezone),
                )
                for opens, closes in (self.hours[day.weekday()] if worked else ())
            )
            self._windows_of_day[day] = windows
        return windows

    def is_working_day(self, day: dt.date) -> bool:
        """A weekday with service hours that is no public holiday or extra day off."""
        return bool(self._windows(day))

    def holiday_name(self, day: dt.date) -> str | None:
        if day in self.extra_days_off:
            return self.names.get(day) or "cuti bersama"
        if day in self.extra_working_days:
            return None
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
            for opens, closes in self._windows(day):
                if opens < end and closes > start:
                    total += (min(end, closes) - max(start, opens)).total_seconds()
        return total

    def working_seconds_many(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """:meth:`working_seconds` over arrays of POSIX seconds (NaN where either is NaN),
        for reports over many cases: prefix sums of service seconds, one pass over the days.
        """
        worked = self._worked_since_first_day(np.concatenate([starts, ends]))
        difference = worked[len(starts) :] - worked[: len(starts)]
        return np.where(ends <= starts, 0.0, np.round(difference, 6))

    def due_many(self, received: np.ndarray, days: int) -> np.ndarray:
        """:meth:`add_working_days` over an array of POSIX seconds, as POSIX seconds."""
        due = np.full(received.shape, np.nan)
        known = np.isfinite(received)
        ordinals, positions = np.unique(self._local_days(received[known]), return_inverse=True)
        per_day = np.array(
            [
                self.add_working_days(
                    dt.datetime.combine(dt.date.fromordinal(int(o)), dt.time(), self.timezone),
                    days,
                ).timestamp()
                for o in ordinals
            ]
        )
        due[known] = per_day[positions]
        return due

    def _local_days(self, instants: np.ndarray) -> np.ndarray:
        """Proleptic ordinals of the local dates of ``instants`` (UTC offsets taken per hour,
        the granularity at which zones change offset)."""
        hours, positions = np.unique(np.floor(instants / HOUR_SECONDS), return_inverse=True)
        offsets = np.array(
            [
                dt.datetime.fromtimestamp(hour * HOUR_SECONDS, self.timezone)
                .utcoffset()
                .total_seconds()
                for hour in hours
            ]
        )
        local = instants + offsets[positions]
        return np.floor(local / DAY_SECONDS).astype(np.int64) + EPOCH_ORDINAL

    def _worked_since_first_day(self, instants: np.ndarray) -> np.ndarray:
        """Service seconds from the start of the earliest day among ``instants`` to each."""
        worked = np.full(instants.shape, np.nan)
        known = np.isfinite(instants)
        if not known.any():
            return worked
        moments = instants[known]
        ordinals = self._local_days(moments)
        first = int(ordinals.min())
        days = [dt.date.fromordinal(o) for o in range(first, int(ordinals.max()) + 1)]
        windows = [self._windows(day) for day in days]
        width = max(1, max(len(w) for w in windows))
        opens = np.zeros((len(days), width))
        lengths = np.zeros((len(days), width))
        for row, day_windows in enumerate(windows):
            for column, (opening, closing) in enumerate(day_windows):
                opens[row, column] = opening.timestamp()
                lengths[row, column] = (closing - opening).total_seconds()
        before = np.concatenate([[0.0], np.cumsum(lengths.sum(axis=1))[:-1]])
        index = ordinals - first
        inside = np.clip(moments[:, None] - opens[index], 0.0, lengths[index]).sum(axis=1)
        worked[known] = before[index] + inside
        return worked


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_service_hours(text: str) -> dict[int, tuple[Interval, ...]]:
    """``"mon-thu 08:00-12:00,12:30-15:30; fri 08:30-11:30,12:30-16:00"`` as weekday
    (0 = Monday) -> opening windows; ``ValueError`` names what is wrong."""
    hours: dict[int, tuple[Interval, ...]] = {}
    for part in filter(None, (chunk.strip() for chunk in text.split(";"))):
        days, _, windows = part.partition(" ")
        first, _, last = days.lower().partition("-")
        try:
            start, end = _DAY_NAMES.index(first), _DAY_NAMES.index(last or first)
        except ValueError as error:
            raise ValueError(f"unknown day in {part!r} (use mon..sun)") from error
        parsed = tuple(_window(window) for window in windows.split(",") if window.strip())
        if not parsed or start > end:
            raise ValueError(f"no opening hours in {part!r}")
        for opening, closing in parsed:
            if opening >= closing:
                raise ValueError(f"window closes before it opens in {part!r}")
        for weekday in range(start, end + 1):
            hours[weekday] = parsed
    if not hours:
        raise ValueError("no service hours given")
    return hours


def _window(text: str) -> Interval:
    opens, _, closes = text.strip().partition("-")
    return dt.time.fromisoformat(opens.strip()), dt.time.fromisoformat(closes.strip())


@dataclass(frozen=True)
class DaysOff:
    """The days-off file: dates off (with names) and listed holidays worked anyway."""

    off: Mapping[dt.date, str]
    worked: frozenset[dt.date]


def read_days_off(path: Path) -> DaysOff:
    """Read ``libur: [{tanggal, nama}]`` and ``masuk: [{tanggal}]``; a missing file is
    no extra day. ``ValueError`` names a malformed entry."""
    if not path.exists():
        return DaysOff({}, frozenset())
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected 'libur' and 'masuk' lists")
    off = {
        _date(entry, path): str(entry.get("nama") or "cuti bersama")
        for entry in _list(document, "libur", path)
    }
    worked = frozenset(_date(entry, path) for entry in _list(document, "masuk", path))
    return DaysOff(off, worked)


def _list(document: dict, key: str, path: Path) -> list[dict]:
    entries = document.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{path}: '{key}' must be a list of entries with 'tanggal'")
    return entries


def _date(entry: dict, path: Path) -> dt.date:
    value = entry.get("tanggal")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(f"{path}: tanggal {value!r} is not YYYY-MM-DD") from error


def configured_calendar(
    service_hours: str, days_off_file: Path, timezone: ZoneInfo
) -> WorkingCalendar:
    """The calendar the settings describe (service hours, days-off file, time zone)."""
    days_off = read_days_off(days_off_file)
    return WorkingCalendar(
        hours=parse_service_hours(service_hours),
        extra_days_off=frozenset(days_off.off),
        timezone=timezone,
        extra_working_days=days_off.worked,
        names=dict(days_off.off),
    )
