"""Look a message up in the knowledge base with its program, season and context.

A question naming a program is answered only by entries for that program; a
question about a season without facts here gets that season (announced with its
dates from the season file, or not announced) instead of an old season's entry;
a short follow-up is retrieved together with the previous answer's title; an
entry about a stage (``stage:``) carries that stage of the season in force, and
"kapan ditutup?" after it gets just that stage.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from bot.followups import asks_when, content_words, contextual_queries, is_followup
from bot.kb.retriever import Match, Retriever, entry_years
from bot.kb.schema import SERVING_ASN_TAG, Entry
from bot.out_of_scope import adjacent
from bot.programs import detect_program, detect_year
from bot.seasons import OPEN, STAGES, UPCOMING, Season, SeasonCalendar

_SCHEDULE = re.compile(
    r"\b(jadwal|jadwalnya|kapan|kpn|kapankah|dibuka|buka|bukaan|pembukaan|tanggal|tgl|"
    r"dimulai|mulai|ditutup|tutup|penutupan|diumumkan)\b"
)
UNDATED = (0, 9999)
# An analogous entry for another program is found by agreement across the previous
# entry's phrasings, so it may score a little under the threshold.
ANALOG_SHARE = 0.8
# "Out of scope" is acted on (a polite refusal) only from this confidence; below it,
# a message the knowledge base answers with confidence is read as a question.
OUT_OF_SCOPE_SURE = 0.7
# Below the threshold, entries at least this confident are offered to choose from.
SUGGESTION_FLOOR = 0.3
MAX_SUGGESTIONS = 3
# Words of a follow-up's own must come this close (cosine) to the previous entry to be
# read with it.
CONTEXT_SIMILARITY = 0.2


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
    suggestions: tuple[Match, ...] = ()  # without an answer: entries it may be about
    # the seasons whose stage (the entry's ``stage``) the answer carries
    stage_seasons: tuple[Season, ...] = ()
    deadline_only: bool = False  # "kapan ditutup?" after an answer: only its stage

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
    """The answer to ``text``: an entry, a season, or nothing (``program`` says why;
    ``suggestions`` are entries it may be about, for the applicant to choose)."""
    named = detect_program(text)
    followup = bool(context and (context.faq_id or context.program) and is_followup(text))
    program = named or (context.program if followup and context else None)
    previous = retriever.entry(context.faq_id) if followup and context else None
    last_program = context.program if context else None
    if context and context.faq_id and asks_when(text):
        asked = retriever.entry(context.faq_id)
        if asked is not None and asked.stage:
            when = stage_seasons(asked, calendar, today, named, last_program, detect_year(text))
            if when:
                program = named or last_program
                match = Match(asked, 1.0)
                return Lookup(match, program, followup=True, stage_seasons=when, deadline_only=True)
    changed = bool(previous and named and context and named != context.program)
    year = detect_year(text) or (_single_year(previous) if previous else None)
    if previous is None:
        scores = retriever.scores(text)
        match = retriever.accepted(scores[0], program, year)
    else:
        content = " ".join(sorted(content_words(text)))
        scores = retriever.scores(text, *contextual_queries(text, previous, changed))
        fits = retriever.similarity(content, previous) >= CONTEXT_SIMILARITY
        match = _match(retriever, scores, previous, bool(content), fits, changed, program, year)
    if year and _SCHEDULE.search(text.lower()):
        # Only an entry dated for that year answers; else the season file does.
        if match is None or not _dated(match.entry):
            season = calendar.unannounced(program, year, today)
            season = season or (calendar.get(program, year) if program else None)
            if season:
                return Lookup(None, program, season, followup)
    elif match is not None and year is None and _is_schedule(match.entry):
        # An older season's schedule does not answer while the season in force is unannounced.
        season = calendar.in_force(program or _single_program(match.entry) or "", today)
        if season and not season.announced and entry_years(match.entry)[1] < season.year:
            newer = _best(retriever, scores, program, season.year)
            if newer is not None and _dated(newer.entry):
                stages = stage_seasons(newer.entry, calendar, today, program, last_program, year)
                return Lookup(newer, program, None, followup, stage_seasons=stages)
            return Lookup(None, season.program, season, followup)
    if match is None:
        candidates = retriever.ranked(scores[0], MAX_SUGGESTIONS, program, year)
        suggestions = tuple(m for m in candidates if m.score >= SUGGESTION_FLOOR)
        return Lookup(None, program, None, followup, suggestions)
    stages = stage_seasons(match.entry, calendar, today, program, last_program, year)
    return Lookup(match, program, None, followup, stage_seasons=stages)


def stage_seasons(
    entry: Entry,
    calendar: SeasonCalendar,
    today: dt.date,
    program: str | None = None,
    last_program: str | None = None,
    year: int | None = None,
) -> tuple[Season, ...]:
    """The seasons whose stage ``entry`` is about, for its answer to carry: that of the
    program asked, else of the conversation's last program, else of the entry's only
    program (the season of ``year``, of the entry's own year, or the one in force);
    with no program known, every program of the entry whose stage is open or coming.
    An announced season that lists no date for the stage is left out."""
    if entry.stage is None:
        return ()
    year = year or _single_year(entry)
    stage_programs = entry.programs & STAGES[entry.stage].programs
    chosen = next(
        (p for p in (program, last_program, _single_program(entry)) if p in entry.programs),
        None,
    )
    if chosen is not None:
        if chosen not in stage_programs:
            return ()
        season = calendar.season_of(chosen, year, today)
        told = season and (not season.announced or season.stage(entry.stage, today))
        return (season,) if told else ()
    seasons = (calendar.season_of(p, year, today) for p in sorted(stage_programs))
    return tuple(
        season
        for season in seasons
        if season
        and season.announced
        and (stage := season.stage(entry.stage, today))
        and stage.state(today) in (OPEN, UPCOMING)
    )


@dataclass(frozen=True)
class OutOfScopeReading:
    """What an "out of scope" message gets from the knowledge base."""

    match: Match | None  # an answer (a question after all) or a serving-ASN pointer
    question: bool  # True: ``match`` answers it as a recruitment question


def read_out_of_scope(text: str, confidence: float, retriever: Retriever) -> OutOfScopeReading:
    """An unsure out-of-scope reading (confidence < OUT_OF_SCOPE_SURE) that a
    recruitment entry answers with confidence is a question; otherwise a serving
    civil servant's matter gets its pointer entry (serving_asn_pointer)."""
    scores = retriever.scores(text)[0]
    if confidence < OUT_OF_SCOPE_SURE:
        answered = retriever.accepted(scores)
        if answered is not None and SERVING_ASN_TAG not in answered.entry.tags:
            return OutOfScopeReading(answered, True)
    return OutOfScopeReading(_serving_asn_pointer(text, retriever, scores), False)


def serving_asn_pointer(text: str, retriever: Retriever) -> Match | None:
    """The entry pointing a serving civil servant's matter (pensiun, mutasi, ...) to its
    channel: the most confident such entry, else (unless a recruitment entry is
    confident) the entry of the topic ``text`` names (bot/out_of_scope.py)."""
    return _serving_asn_pointer(text, retriever, retriever.scores(text)[0])


def _serving_asn_pointer(text: str, retriever: Retriever, scores: np.ndarray) -> Match | None:
    serving = retriever.tagged(SERVING_ASN_TAG)
    confident = retriever.accepted(np.where(serving, scores, 0.0))
    if confident is not None:
        return confident
    if retriever.accepted(np.where(serving, 0.0, scores)) is not None:
        return None  # a recruitment entry fits: an applicant's question, not a servant's
    topic = adjacent(text)
    entry = retriever.entry(topic.entry) if topic and topic.entry else None
    if entry is None or SERVING_ASN_TAG not in entry.tags:
        return None
    return Match(entry, float(scores[retriever.entries.index(entry)]))


def _match(
    retriever: Retriever,
    scores: list[np.ndarray],
    previous: Entry,
    has_content: bool,
    fits: bool,
    changed: bool,
    program: str | None,
    year: int | None,
) -> Match | None:
    """A follow-up's own match, or its match in the context of ``previous``.

    ``scores``: the message's, then its contextual queries'; ``fits``: its content
    words come close to ``previous``.
    A follow-up made only of fillers ("gimana caranya?", "kalau PPPK?") is read in
    context; one with words of its own stands alone when they find an entry, and
    is read in context only if those words fit the previous entry.
    """
    own = retriever.accepted(scores[0], program, year)
    if own is not None and has_content:
        return own
    in_context = scores[1:]
    if changed:
        return _analog(retriever, previous, in_context, program, year) if not has_content else None
    return _best(retriever, in_context, program, year) if fits or not has_content else None


def _best(
    retriever: Retriever, scores: list[np.ndarray], program: str | None, year: int | None
) -> Match | None:
    """The better of the message's own match and its match in context."""
    matches = [retriever.accepted(each, program, year) for each in scores]
    return max((m for m in matches if m), key=lambda m: m.score, default=None)


def _analog(
    retriever: Retriever,
    previous: Entry,
    scores: list[np.ndarray],
    program: str | None,
    year: int | None,
) -> Match | None:
    """The entry of ``program`` that the previous entry's phrasings agree on best.

    The previous entry itself stays the answer when it covers ``program`` too,
    unless an entry made for ``program`` alone is found.
    """
    stacked = np.vstack(scores)
    mean = np.where(retriever.allowed(program, year), stacked.mean(axis=0), 0.0)
    own = retriever.entries.index(previous)
    others = mean.copy()
    others[own] = 0.0
    candidates = [int(others.argmax())]
    if program in previous.programs:
        candidates = [c for c in candidates if retriever.entries[c].programs == {program}]
        candidates.append(own)
    for index in candidates:
        score = float(stacked[:, index].max())
        if mean[index] > 0 and score >= ANALOG_SHARE * retriever.threshold:
            return Match(retriever.entries[index], score)
    return None


def _single_year(entry: Entry) -> int | None:
    """The year of an entry about one season (a follow-up stays in that season)."""
    first, last = entry_years(entry)
    return first if first == last else None


def _dated(entry: Entry) -> bool:
    return entry_years(entry) != UNDATED


def _single_program(entry: Entry) -> str | None:
    return next(iter(entry.programs)) if len(entry.programs) == 1 else None


def _is_schedule(entry: Entry) -> bool:
    """A season's schedule (a ``jadwal`` entry)."""
    return "jadwal" in entry.tags or entry.id.startswith("jadwal_")
