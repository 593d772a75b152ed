"""The selection seasons Humas announces: per program and year, its dated stages.

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
ALL_PROGRAMS = frozenset(PROGRAMS)
# How far from its season's year a stage may lie (CPNS 2024 ended in March 2025).
STAGE_YEARS_AFTER = 2


@dataclass(frozen=True)
class StageKind:
    """One kind of stage: its label in replies, whether applicants act in it (a window
    that is "ditutup") or it merely happens ("berakhir"), and the programs it has."""

    label: str
    window: bool
    programs: frozenset[str] = ALL_PROGRAMS


# The stages of a season, in the order they happen (docs/humas.md lists them).
STAGES: dict[str, StageKind] = {
    "pengumuman_seleksi": StageKind("Pengumuman seleksi", False),
    "pendaftaran": StageKind("Pendaftaran", True),
    "seleksi_administrasi": StageKind("Seleksi administrasi", False),
    "pengumuman_administrasi": StageKind("Pengumuman hasil seleksi administrasi", False),
    "sanggah_administrasi": StageKind("Masa sanggah hasil administrasi", True),
    "pengumuman_pasca_sanggah": StageKind("Pengumuman pasca sanggah", False),
    "skd": StageKind("SKD", False, frozenset({"cpns", "kedinasan"})),
    "pengumuman_skd": StageKind("Pengumuman hasil SKD", False, frozenset({"cpns", "kedinasan"})),
    "seleksi_lanjutan": StageKind("Seleksi lanjutan sekolah", False, frozenset({"kedinasan"})),
    "skb": StageKind("SKB", False, frozenset({"cpns"})),
    "seleksi_kompetensi": StageKind("Seleksi kompetensi PPPK", False, frozenset({"pppk"})),
    "integrasi_nilai": StageKind("Integrasi nilai SKD dan SKB", False, frozenset({"cpns"})),
    "pengumuman_akhir": StageKind("Pengumuman hasil akhir", False),
    "sanggah_akhir": StageKind("Masa sanggah hasil akhir", True),
    "pengumuman_pasca_sanggah_akhir": StageKind("Pengumuman pasca sanggah hasil akhir", False),
    "pengisian_drh": StageKind("Pengisian DRH", True, frozenset({"cpns", "pppk"})),
    "usul_nip": StageKind("Usul penetapan NIP", False, frozenset({"cpns", "pppk"})),
}
STAGE_KEYS = ("key", "start", "end", "published_at", "note")
SEASON_KEYS = (
    "program",
    "year",
    "announced",
    "published_at",
    "registration_open",
    "registration_close",
    "stages",
)
UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"


@dataclass(frozen=True)
class Stage:
    """One dated stage of a season; ``end`` is its last day (a one-day stage: start)."""

    key: str
    start: dt.date
    end: dt.date
    published_at: str | None = None  # where this stage is announced, if not the season's
    note: str | None = None  # e.g. "periode II", telling repeated stages apart

    @property
    def kind(self) -> StageKind:
        return STAGES[self.key]

    @property
    def label(self) -> str:
        return self.kind.label + (f" ({self.note})" if self.note else "")

    def state(self, today: dt.date) -> str:
        """``upcoming``, ``open`` (start to end, both days included) or ``closed``."""
        if today < self.start:
            return UPCOMING
        return OPEN if today <= self.end else CLOSED

    def days_left(self, today: dt.date) -> int:
        """Calendar days left while open, today and the last day included (1: the last day)."""
        return (self.end - today).days + 1


@dataclass(frozen=True)
class Season:
    """One program's selection in one year."""

    program: str | None  # None: every program (a question naming none)
    year: int
    announced: bool
    published_at: str
    stages: tuple[Stage, ...] = ()

    @property
    def registration_open(self) -> dt.date | None:
        return min((s.start for s in self.stages if s.key == "pendaftaran"), default=None)

    @property
    def registration_close(self) -> dt.date | None:
        return max((s.end for s in self.stages if s.key == "pendaftaran"), default=None)

    def stage(self, key: str, today: dt.date) -> Stage | None:
        """The window of stage ``key`` that matters today: the open one, else the next,
        else the last one closed; None when the season lists no such stage."""
        windows = [s for s in self.stages if s.key == key]
        for state in (OPEN, UPCOMING):
            found = [s for s in windows if s.state(today) == state]
            if found:
                return min(found, key=lambda s: s.start)
        return max(windows, key=lambda s: s.end, default=None)


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

    def season_of(self, program: str, year: int | None, today: dt.date) -> Season | None:
        """The season of ``program`` an answer speaks of: that of ``year`` when given,
        else the one in force (this year's, not announced when it is missing)."""
        if year is not None:
            return self.get(program, year) or self.unannounced(program, year, today)
        return self.in_force(program, today) or self.unannounced(program, today.year, today)

    def stage_windows(self) -> list[tuple[Season, Stage]]:
        """Every dated stage of every announced season, by start date."""
        windows = [(s, stage) for s in self.seasons if s.announced for stage in s.stages]
        return sorted(windows, key=lambda pair: (pair[1].start, pair[1].end))


def parse_calendar(document: Any) -> SeasonCalendar:
    """Validate the parsed YAML; raises ValueError naming the bad season (and stage)."""
    if not isinstance(document, dict) or not isinstance(document.get("seasons"), list):
        raise ValueError("expected a mapping with a list under 'seasons'")
    default = str(document.get("default_published_at") or DEFAULT_PUBLISHED_AT)
    seasons = []
    for position, raw in enumerate(document["seasons"], start=1):
        if not isinstance(raw, dict) or raw.get("program") not in PROGRAMS:
            raise ValueError(f"season #{position}: program must be one of {', '.join(PROGRAMS)}")
        if not isinstance(raw.get("year"), int) or isinstance(raw.get("year"), bool):
            raise ValueError(f"season #{position}: year must be a number such as 2026")
        name = f"season {raw['program']} {raw['year']}"
        if (raw["program"], raw["year"]) in {(s.program, s.year) for s in seasons}:
            raise ValueError(f"{name}: listed twice")
        unknown = sorted(set(map(str, raw)) - set(SEASON_KEYS))
        if unknown:
            raise ValueError(f"{name}: unknown key(s) {', '.join(unknown)}")
        announced = raw.get("announced", False)
        if not isinstance(announced, bool):
            raise ValueError(f"{name}: announced must be true or false")
        stages = _stages(raw, name)
        if stages and not announced:
            raise ValueError(f"{name}: has stages but announced is false (set it to true)")
        seasons.append(
            Season(
                program=raw["program"],
                year=raw["year"],
                announced=announced,
                published_at=str(raw.get("published_at") or default),
                stages=stages,
            )
        )
    return SeasonCalendar(tuple(seasons), default)


def _stages(raw: dict, name: str) -> tuple[Stage, ...]:
    """The season's stages: ``stages`` plus the older ``registration_open/close`` pair
    (read as its pendaftaran stage), validated in order."""
    listed = raw.get("stages") or []
    if not isinstance(listed, list):
        raise ValueError(f"{name}: stages must be a list of {{key, start, end}}")
    stages = [_stage(item, name, position) for position, item in enumerate(listed, start=1)]
    opened = _date(raw, "registration_open", name)
    closed = _date(raw, "registration_close", name)
    if (opened is None) != (closed is None):
        raise ValueError(f"{name}: registration_open and registration_close go together")
    if opened and closed:
        if any(stage.key == "pendaftaran" for stage in stages):
            raise ValueError(
                f"{name}: registration_open/close and a pendaftaran stage both given; "
                f"keep only the stage"
            )
        stages.insert(0, _checked(Stage("pendaftaran", opened, closed), name))
    previous: Stage | None = None
    seen: dict[tuple[str, str | None], Stage] = {}
    for stage in stages:
        where = f"{name}, stage {stage.key}"
        if raw["program"] not in stage.kind.programs:
            raise ValueError(f"{where}: {raw['program']} has no such stage")
        if (stage.key, stage.note) in seen:
            raise ValueError(f"{where}: listed twice (give each a different note)")
        seen[(stage.key, stage.note)] = stage
        if previous and stage.start < previous.start:
            raise ValueError(
                f"{where}: starts {stage.start}, before {previous.key} above it "
                f"({previous.start}); list stages in date order"
            )
        if (
            not raw["year"] - 1
            <= stage.start.year
            <= stage.end.year
            <= raw["year"] + (STAGE_YEARS_AFTER)
        ):
            raise ValueError(f"{where}: {stage.start} to {stage.end} is far from {raw['year']}")
        previous = stage
    return tuple(stages)


def _stage(item: Any, name: str, position: int) -> Stage:
    if not isinstance(item, dict):
        raise ValueError(f"{name}, stage #{position}: expected {{key, start, end}}")
    key = item.get("key")
    if key not in STAGES:
        raise ValueError(
            f"{name}, stage #{position}: key {key!r} is not one of {', '.join(STAGES)}"
        )
    where = f"{name}, stage {key}"
    unknown = sorted(set(map(str, item)) - set(STAGE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    start, end = _date(item, "start", where), _date(item, "end", where)
    if start is None or end is None:
        raise ValueError(f"{where}: start and end are required (a one-day stage: the same date)")
    note = item.get("note")
    published_at = item.get("published_at")
    return _checked(
        Stage(
            key=key,
            start=start,
            end=end,
            published_at=str(published_at).strip() if published_at else None,
            note=str(note).strip() if note else None,
        ),
        name,
    )


def _checked(stage: Stage, name: str) -> Stage:
    if stage.end < stage.start:
        raise ValueError(
            f"{name}, stage {stage.key}: ends {stage.end}, before it starts ({stage.start})"
        )
    return stage


def _date(raw: dict, key: str, where: str) -> dt.date | None:
    value = raw.get(key)
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        message = f"{where}: {key} {value!r} is not a date (YYYY-MM-DD)"
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
