"""The selection seasons Humas announces: per program and year, a registration window.

Read from ``knowledge_base/config/seasons.yml`` and reloaded when the file changes
(a hash per message, like the knowledge base); a broken edit keeps the last good one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.programs import PROGRAMS

logger = logging.getLogger(__name__)

DEFAULT_PUBLISHED_AT = "https://sscasn.bkn.go.id serta akun resmi BKN dan KemenPANRB"


@dataclass(frozen=True)
class Season:
    """One program's selection in one year."""

    program: str | None  # None: every program (a question naming none)
    year: int
    announced: bool
    published_at: str
    registration_open: dt.date | None = None
    registration_close: dt.date | None = None


@dataclass(frozen=True)
class SeasonCalendar:
    seasons: tuple[Season, ...] = ()
    default_published_at: str = DEFAULT_PUBLISHED_AT

    def get(self, program: str, year: int) -> Season | None:
        return next((s for s in self.seasons if (s.program, s.year) == (program, year)), None)

    def in_force(self, program: str, today: dt.date) -> Season | None:
        """This year's season of ``program``, else its latest earlier one."""
        earlier = [s for s in self.seasons if s.program == program and s.year <= today.year]
        return max(earlier, key=lambda s: s.year, default=None)

    def unannounced(self, program: str | None, year: int, today: dt.date) -> Season | None:
        """The season of ``program`` (any program when None) in ``year`` when its
        schedule is not announced: configured so, or not configured and not past."""
        seasons = [s for s in self.seasons if s.year == year and program in (None, s.program)]
        if any(s.announced for s in seasons):
            return None
        if seasons:
            return seasons[0] if program else Season(None, year, False, seasons[0].published_at)
        if year >= today.year:
            return Season(program, year, False, self.default_published_at)
        return None


def parse_calendar(document: Any) -> SeasonCalendar:
    """Validate the parsed YAML; raises ValueError naming the bad season."""
    if not isinstance(document, dict) or not isinstance(document.get("seasons"), list):
        raise ValueError("expected a mapping with a list under 'seasons'")
    default = str(document.get("default_published_at") or DEFAULT_PUBLISHED_AT)
    seasons = []
    for position, raw in enumerate(document["seasons"], start=1):
        if not isinstance(raw, dict) or raw.get("program") not in PROGRAMS:
            raise ValueError(f"season #{position}: program must be one of {', '.join(PROGRAMS)}")
        if not isinstance(raw.get("year"), int):
            raise ValueError(f"season #{position}: year must be a number such as 2026")
        seasons.append(
            Season(
                program=raw["program"],
                year=raw["year"],
                announced=bool(raw.get("announced", False)),
                published_at=str(raw.get("published_at") or default),
                registration_open=_date(raw, "registration_open", position),
                registration_close=_date(raw, "registration_close", position),
            )
        )
    return SeasonCalendar(tuple(seasons), default)


def _date(raw: dict, key: str, position: int) -> dt.date | None:
    value = raw.get(key)
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        message = f"season #{position}: {key} {value!r} is not a date (YYYY-MM-DD)"
        raise ValueError(message) from None


class SeasonStore:
    """Serves the calendar of ``path``, reloading it when its contents change."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._calendar = SeasonCalendar()
        self._seen: str | None = None

    def current(self) -> SeasonCalendar:
        with self._lock:
            try:
                content = self.path.read_bytes()
            except OSError:
                content = b""
            digest = hashlib.sha1(content).hexdigest()
            if digest != self._seen:
                self._seen = digest
                self._reload(content)
            return self._calendar

    def _reload(self, content: bytes) -> None:
        if not content:
            logger.warning("No season file at %s: every season counts as unannounced", self.path)
            self._calendar = SeasonCalendar()
            return
        try:
            self._calendar = parse_calendar(yaml.safe_load(content.decode("utf-8")))
        except (UnicodeDecodeError, yaml.YAMLError, ValueError) as error:
            logger.error("Season file edit rejected, keeping the last good version: %s", error)
