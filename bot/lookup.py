"""Look a message up in the knowledge base with its program, season and context.

A question naming a program is answered only by entries for that program; a
question about a season without facts here gets that season (announced with its
dates from the season file, or not announced) instead of an old season's entry;
a short follow-up is retrieved together with the previous answer's title.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.followups import contextual_query, is_followup
from bot.kb.retriever import Match, Retriever
from bot.kb.schema import Entry
from bot.programs import detect_program, detect_year
from bot.seasons import Season, SeasonCalendar

_SCHEDULE = re.compile(
    r"\b(jadwal|kapan|kpn|kapankah|dibuka|buka|bukaan|pembukaan|tanggal|tgl|pendaftaran|"
    r"daftar|dimulai|mulai|ditutup|tutup|penutupan|diumumkan|pengumuman|formasi|lowongan|"
    r"rekrutmen|seleksi|tes|ujian)\b"
)


@dataclass(frozen=True)
class Context:
    """What the previous answer of this session was about."""

    faq_id: str | None = None
    program: str | None = None


@dataclass(frozen=True)
class Lookup:
    match: Match | None  # the entry that answers, if any
    program: str | None  # the program the question is about (named or carried over)
    season: Season | None = None  # a season to report instead of an entry
    followup: bool = False  # read against the previous answer

    @property
    def answer_program(self) -> str | None:
        """The program to remember for the next follow-up."""
        if self.program or self.match is None:
            return self.program or (self.season.program if self.season else None)
        return _single_program(self.match.entry)


def look_up(
    text: str,
    retriever: Retriever,
    calendar: SeasonCalendar,
    today: dt.date,
    context: Context | None = None,
) -> Lookup:
    """The answer to ``text``: an entry, a season, or nothing (``program`` says why)."""
    named = detect_program(text)
    followup = bool(context and (context.faq_id or context.program) and is_followup(text))
    program = named or (context.program if followup and context else None)
    year = detect_year(text)
    schedule = bool(_SCHEDULE.search(text.lower()))

    if year and schedule:
        unannounced = calendar.unannounced(program, year, today)
        if unannounced:
            return Lookup(None, program, unannounced, followup)

    matches = [retriever.best(text, program, year)]
    previous = retriever.entry(context.faq_id) if followup and context else None
    if previous is not None:
        changed = bool(named and named != context.program)
        query = contextual_query(text, previous.title, changed)
        matches.append(retriever.best(query, program, year))
    match = max((m for m in matches if m), key=lambda m: m.score, default=None)

    if match is None and year and schedule and program:
        return Lookup(None, program, calendar.get(program, year), followup)
    if match is not None and year is None and _past_schedule(match.entry, today):
        season = calendar.in_force(program or _single_program(match.entry) or "", today)
        if season and not season.announced and season.year > match.entry.valid_until.year:
            return Lookup(None, season.program, season, followup)
    return Lookup(match, program, None, followup)


def _single_program(entry: Entry) -> str | None:
    return next(iter(entry.programs)) if len(entry.programs) == 1 else None


def _past_schedule(entry: Entry, today: dt.date) -> bool:
    """An entry with a season's dates (a ``jadwal`` entry) that has run out."""
    dated = "jadwal" in entry.tags or entry.id.startswith("jadwal_")
    return dated and entry.season(today) == "past"
