"""Knowledge-base entries and the validation of one YAML file's contents."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bot.seasons import STAGES
from bot.text import TWEET_MAX_WEIGHT, tweet_weight

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MIN_QUESTIONS = 3
PROGRAMS = frozenset({"cpns", "pppk", "kedinasan"})
ALL_PROGRAMS = "all"
YEAR_RANGE = re.compile(r"^(\d{4})\s*[-–]\s*(\d{2}|\d{4})$")
UNDATED = "undated"
# Entries that point serving civil servants to the right channel (pensiun, mutasi, ...).
SERVING_ASN_TAG = "asn_aktif"
MIN_YEAR, MAX_YEAR = 1945, 2100
ALLOWED_KEYS = {
    "id",
    "title",
    "questions",
    "answer",
    "short_answer",
    "links",
    "tags",
    "valid_from",
    "valid_until",
    "sources",
    "programs",
    "stage",
}


@dataclass(frozen=True)
class Problem:
    """Something wrong in the knowledge base, located by file and entry."""

    file: str
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry_id}" if self.entry_id else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Source:
    """Where a fact of an entry comes from: the address and the year it applies to.

    ``year`` is an int (2024), a range string ("2024-25") or "undated" for an
    official page that carries no date.
    """

    url: str
    year: int | str


@dataclass(frozen=True)
class Entry:
    """One FAQ topic: how applicants ask about it and what Humas answers."""

    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    short_answer: str
    source_file: str
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    sources: tuple[Source, ...] = ()
    # the programs the entry answers for; "all" in the file is expanded here
    programs: frozenset[str] = PROGRAMS
    # the season stage the entry is about (bot/seasons.py STAGES): answers carry its dates
    stage: str | None = None

    def season(self, today: dt.date) -> str:
        """``current``, ``past`` (after valid_until) or ``future`` (before valid_from)."""
        if self.valid_until and today > self.valid_until:
            return "past"
        if self.valid_from and today < self.valid_from:
            return "future"
        return "current"


def parse_file(file_name: str, document: Any) -> tuple[list[Entry], list[Problem]]:
    """Turn one parsed YAML document into entries, collecting every problem."""
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        return [], [Problem(file_name, None, "expected a mapping with a list under 'entries'")]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for position, raw in enumerate(document["entries"], start=1):
        entry, entry_problems = _parse_entry(file_name, position, raw)
        problems.extend(entry_problems)
        if entry is not None and not entry_problems:
            entries.append(entry)
    return entries, problems


def _parse_entry(file_name: str, position: int, raw: Any) -> tuple[Entry | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(file_name, f"entry #{position}", "is not a mapping")]
    entry_id = raw.get("id")
    label = entry_id if isinstance(entry_id, str) and entry_id else f"entry #{position}"
    problems: list[str] = []

    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        problems.append("id must be snake_case letters, digits and '_' (2-64 chars)")
    unknown = sorted(set(raw) - ALLOWED_KEYS)
    if unknown:
        problems.append(f"unknown key(s): {', '.join(unknown)}")
    title = _text(raw, "title", problems)
    answer = _text(raw, "answer", problems)
    short_answer = _text(raw, "short_answer", problems)
    if short_answer and tweet_weight(short_answer) > TWEET_MAX_WEIGHT:
        problems.append(
            f"short_answer is {tweet_weight(short_answer)} characters as X counts them "
            f"(max {TWEET_MAX_WEIGHT}, a URL counts 23)"
        )
    questions = raw.get("questions")
    if not isinstance(questions, list) or not all(
        isinstance(q, str) and q.strip() for q in questions
    ):
        problems.append("questions must be a list of non-empty texts")
        questions = []
    elif len(questions) < MIN_QUESTIONS:
        problems.append(f"needs at least {MIN_QUESTIONS} question phrasings")
    links = _links(raw.get("links"), problems)
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append("tags must be a list of words")
        tags = []
    valid_from = _date(raw, "valid_from", problems)
    valid_until = _date(raw, "valid_until", problems)
    if valid_from and valid_until and valid_from > valid_until:
        problems.append(f"valid_from {valid_from} is after valid_until {valid_until}")
    sources = _sources(raw.get("sources"), problems)
    programs = _programs(raw.get("programs"), problems)
    stage = _stage(raw.get("stage"), programs, problems)

    located = [Problem(file_name, label, message) for message in problems]
    if located:
        return None, located
    return (
        Entry(
            id=entry_id,
            title=title,
            questions=tuple(q.strip() for q in questions),
            answer=answer,
            short_answer=short_answer,
            source_file=file_name,
            links=links,
            tags=tuple(tags),
            valid_from=valid_from,
            valid_until=valid_until,
            sources=sources,
            programs=programs,
            stage=stage,
        ),
        [],
    )


def _text(raw: dict, key: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} is missing or empty")
        return ""
    return value.strip()


def _links(raw: Any, problems: list[str]) -> tuple[Link, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("links must be a list of {title, url}")
        return ()
    links = []
    for link in raw:
        url = link.get("url") if isinstance(link, dict) else None
        title = link.get("title") if isinstance(link, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            problems.append(f"link {link!r} needs a url starting with https://")
            continue
        links.append(Link(title=str(title or url), url=url))
    return tuple(links)


def _sources(raw: Any, problems: list[str]) -> tuple[Source, ...]:
    """At least one ``{url, year}``; year an int, a range "2024-25" or "undated"."""
    if not isinstance(raw, list) or not raw:
        problems.append("sources must list at least one {url, year}")
        return ()
    sources = []
    for source in raw:
        url = source.get("url") if isinstance(source, dict) else None
        year = source.get("year") if isinstance(source, dict) else None
        if isinstance(source, dict) and set(source) - {"url", "year"}:
            problems.append(f"source {source!r} may only have url and year")
            continue
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            problems.append(f"source {source!r} needs a url starting with https://")
            continue
        checked = _year(year)
        if checked is None:
            problems.append(
                f"source {url} has year {year!r}: expected a year (2024), "
                f'a range ("2024-25") or "{UNDATED}"'
            )
            continue
        sources.append(Source(url=url, year=checked))
    return tuple(sources)


def _year(value: Any) -> int | str | None:
    """The year as given if it is valid, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if MIN_YEAR <= value <= MAX_YEAR else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text == UNDATED:
        return text
    if text.isdigit():
        return _year(int(text))
    match = YEAR_RANGE.match(text)
    if not match:
        return None
    start, end = match.group(1), match.group(2)
    end_year = int(start[:2] + end) if len(end) == 2 else int(end)
    if not (MIN_YEAR <= int(start) <= end_year <= MAX_YEAR):
        return None
    return text


def _programs(raw: Any, problems: list[str]) -> frozenset[str]:
    """Programs named in the file; ``all`` (alone) means every program."""
    allowed = ", ".join(sorted(PROGRAMS | {ALL_PROGRAMS}))
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        problems.append(f"programs must be a non-empty list of: {allowed}")
        return frozenset()
    names = [name.strip().lower() for name in raw]
    unknown = sorted(set(names) - PROGRAMS - {ALL_PROGRAMS})
    if unknown:
        problems.append(f"unknown program(s): {', '.join(unknown)} (allowed: {allowed})")
        return frozenset()
    if ALL_PROGRAMS in names:
        if len(names) > 1:
            problems.append("programs: 'all' must stand alone")
            return frozenset()
        return PROGRAMS
    if len(set(names)) != len(names):
        problems.append("programs lists a program twice")
    return frozenset(names)


def _stage(raw: Any, programs: frozenset[str], problems: list[str]) -> str | None:
    """A stage of the season file's vocabulary that one of the entry's programs has."""
    if raw is None:
        return None
    if raw not in STAGES:
        problems.append(f"unknown stage {raw!r} (allowed: {', '.join(STAGES)})")
        return None
    if programs and not programs & STAGES[raw].programs:
        problems.append(
            f"stage {raw} exists only for {', '.join(sorted(STAGES[raw].programs))}, "
            f"not for the entry's programs"
        )
        return None
    return raw


def _date(raw: dict, key: str, problems: list[str]) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{key} {value!r} is not a date (YYYY-MM-DD)")
        return None
