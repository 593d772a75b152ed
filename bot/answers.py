"""Turn a knowledge-base entry into the text an applicant receives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.dates import MONTHS, format_date_id
from bot.kb.schema import Entry
from bot.programs import LABELS
from bot.seasons import CLOSED, OPEN, STAGES, UPCOMING, Season, Stage
from bot.text import TWEET_MAX_WEIGHT, tweet_weight

PORTAL_URL = "https://sscasn.bkn.go.id"


def season_note(entry: Entry, today: dt.date) -> str | None:
    """A warning when the entry is outside its validity window, else None."""
    season = entry.season(today)
    if season == "past":
        return (
            f"Catatan: informasi ini untuk musim seleksi yang sudah lewat (berlaku sampai "
            f"{format_date_id(entry.valid_until)}). Untuk seleksi terbaru, pantau "
            f"pengumuman resmi di {PORTAL_URL}."
        )
    if season == "future":
        return f"Catatan: informasi ini baru berlaku mulai {format_date_id(entry.valid_from)}."
    return None


SHORT_SEASON_PREFIX = {"past": "[Info seleksi lalu] ", "future": "[Belum berlaku] "}


def render_answer(
    entry: Entry, today: dt.date, short: bool = False, seasons: Sequence[Season] = ()
) -> str:
    """The answer (or the short variant for X), with links and the season note; for an
    entry about a stage, that stage in each of ``seasons`` (its dates, how long it is
    still open, or that it closed or is not announced). The short variant is one post:
    it keeps the stage lines that fit (``render_short_answer`` gives the rest)."""
    if short:
        return render_short_answer(entry, today, seasons)[0]
    parts = [entry.answer]
    parts.extend(
        f"{link.title}: {link.url}" for link in entry.links if link.url not in entry.answer
    )
    deadlines = render_deadlines(entry, seasons, today)
    if deadlines:
        parts.append(deadlines)
    note = season_note(entry, today)
    if note:
        parts.append(note)
    return "\n\n".join(parts)


def render_short_answer(entry: Entry, today: dt.date, seasons: Sequence[Season] = ()) -> list[str]:
    """The short answer for X as posts within its weight: the short answer with each
    stage line that still fits (in full, else compact), then one post with the stage
    lines that did not."""
    text = SHORT_SEASON_PREFIX.get(entry.season(today), "") + entry.short_answer
    left = []
    for season in seasons:
        lines = [render_stage(season, entry.stage, today, compact) for compact in (False, True)]
        fitting = next(
            (line for line in lines if line and _fits(f"{text}\n{line}")),
            None,
        )
        if fitting:
            text = f"{text}\n{fitting}"
        elif lines[1]:
            left.append(lines[1])
    rest = "\n".join(left)
    return [text, rest] if rest and _fits(rest) else [text]


def _fits(text: str) -> bool:
    return tweet_weight(text) <= TWEET_MAX_WEIGHT


def render_deadlines(
    entry: Entry, seasons: Sequence[Season], today: dt.date, short: bool = False
) -> str:
    """Only the stage lines of ``entry`` ("kapan ditutup?" after its answer); ``short``
    (X): compact when the full lines would not fit one post."""
    for compact in (False, True):
        text = "\n".join(
            line for s in seasons if (line := render_stage(s, entry.stage, today, compact))
        )
        if not short or _fits(text):
            break
    return text


def program_label(program: str | None) -> str:
    """``CPNS``, ``PPPK``, ``Sekolah Kedinasan``; ``CASN`` for no program in particular."""
    return LABELS.get(program or "", "CASN")


def render_stage(
    season: Season, key: str | None, today: dt.date, compact: bool = False
) -> str | None:
    """One line on stage ``key`` of ``season``: "dibuka/dijadwalkan ..." before it, "...
    — ditutup dalam N hari" (today and the last day counted) or "hari ini terakhir"
    while open, "sudah ditutup pada ..." after; "belum diumumkan" with where it will be
    when the season is not announced. None when the season's program has no such stage
    or the announced season lists no date for it. ``compact``: the shortest form, for
    posts on X (short months, no place)."""
    kind = STAGES.get(key or "")
    if kind is None or (season.program and season.program not in kind.programs):
        return None
    name = f"{kind.label} {program_label(season.program)} {season.year}"
    if not season.announced:
        unannounced = (
            f"Jadwal {_in_sentence(kind.label)} {program_label(season.program)} {season.year} "
            f"belum diumumkan"
        )
        return (
            f"{unannounced}."
            if compact
            else (f"{unannounced}, akan diumumkan di {season.published_at}.")
        )
    stage = season.stage(key, today)
    if stage is None:
        return None
    name += f" ({stage.note})" if stage.note else ""
    if compact:
        return _compact_sentence(stage, name, today)
    line = stage_sentence(stage, name, today)
    if stage.published_at and stage.state(today) != CLOSED:
        line += f" Diumumkan di {stage.published_at}."
    return line


def stage_sentence(stage: Stage, name: str, today: dt.date) -> str:
    """``name`` (e.g. "Pendaftaran CPNS 2024") with the stage's dates and state today."""
    dates = stage_dates(stage)
    window = stage.kind.window
    state = stage.state(today)
    if state == UPCOMING:
        return f"{name} {'dibuka' if window else 'dijadwalkan'} {dates}."
    if state == OPEN:
        if stage.start == stage.end:
            return f"{name}: hari ini, {dates}."
        left = stage.days_left(today)
        verb = "ditutup" if window else "berakhir"
        return f"{name}: {dates} — " + (
            "hari ini terakhir." if left == 1 else f"{verb} dalam {left} hari."
        )
    if stage.start == stage.end and not window:
        return f"{name} sudah berlangsung pada {dates}."
    return f"{name} sudah {'ditutup' if window else 'berakhir'} pada {format_date_id(stage.end)}."


def _compact_sentence(stage: Stage, name: str, today: dt.date) -> str:
    """``stage_sentence`` in the fewest characters: "Pendaftaran CPNS 2027 s.d. 20 Mar
    2027, 2 hari lagi."."""
    verb = "ditutup" if stage.kind.window else "berakhir"
    state = stage.state(today)
    if state == UPCOMING:
        return f"{name}: {_short_dates(stage)}."
    if state == OPEN:
        left = stage.days_left(today)
        return f"{name} s.d. {_short_date(stage.end)}, " + (
            "hari ini terakhir." if left == 1 else f"{left} hari lagi."
        )
    return f"{name} sudah {verb} {_short_date(stage.end)}."


def _short_date(day: dt.date) -> str:
    """``20 Mar 2027``."""
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _short_dates(stage: Stage) -> str:
    if stage.start == stage.end:
        return _short_date(stage.start)
    return f"{_short_date(stage.start)}–{_short_date(stage.end)}"


def stage_dates(stage: Stage) -> str:
    """``10 September 2024`` for one day, else ``20 Agustus 2024 s.d. 10 September 2024``."""
    if stage.start == stage.end:
        return format_date_id(stage.start)
    return f"{format_date_id(stage.start)} s.d. {format_date_id(stage.end)}"


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "pendaftaran", but "SKD" stays."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


SCHEDULE_UPCOMING = 3


def render_season(season: Season, today: dt.date) -> str:
    """A season's schedule: the stage closed last, the open ones and the next few (the
    same sentences as answers), or that it is over, or that it is not announced yet."""
    name = f"{program_label(season.program)} {season.year}"
    if not season.announced or not season.stages:
        return (
            f"Jadwal seleksi {name} belum diumumkan. Jadwal resmi akan diumumkan di "
            f"{season.published_at}. Waspadai info jadwal dari sumber lain ya 🙏"
        )
    official = f"Jadwal lengkap dan resminya ada di {season.published_at}."
    stages = sorted(season.stages, key=lambda s: (s.start, s.end))
    closed = [s for s in stages if s.state(today) == CLOSED]
    if len(closed) == len(stages):
        last = max(stages, key=lambda s: s.end)
        first = stages[0]
        return (
            f"Seleksi {name} sudah selesai: {_in_sentence(first.label)} {stage_dates(first)}, "
            f"tahap terakhir ({_in_sentence(last.label)}) {stage_dates(last)}. {official}"
        )
    current = [s for s in stages if s.state(today) == OPEN]
    upcoming = [s for s in stages if s.state(today) == UPCOMING]
    shown = closed[-1:] + current + upcoming[:SCHEDULE_UPCOMING]
    lines = [f"Jadwal seleksi {name}:"]
    lines += [f"- {stage_sentence(s, s.label, today)}" for s in shown]
    if len(upcoming) > SCHEDULE_UPCOMING:
        lines.append(f"- dan {len(upcoming) - SCHEDULE_UPCOMING} tahap berikutnya.")
    lines.append(official)
    return "\n".join(lines)


def render_no_program_answer(program: str) -> str:
    """An honest "no answer for this program" with where it is published."""
    label = program_label(program)
    return (
        f"Maaf, untuk pertanyaan itu belum ada jawaban khusus {label} di basis pengetahuan "
        f"kami. Ketentuan {label} diumumkan di {PORTAL_URL} dan di pengumuman resmi instansi "
        f"yang membuka formasi."
    )


SERVING_ASN_INTRO = (
    "Pertanyaan ini soal kepegawaian ASN yang sudah bekerja, di luar helpdesk rekrutmen. "
    "Yang perlu Anda tahu:"
)
LAPOR_FALLBACK = "Bila tidak ditanggapi, sampaikan lewat SP4N-LAPOR! di https://www.lapor.go.id."


def render_serving_asn_pointer(entry: Entry, today: dt.date, short: bool = False) -> str:
    """A serving civil servant's matter: not recruitment, then the entry naming its channel."""
    if short:
        return render_answer(entry, today, short=True)
    return "\n\n".join((SERVING_ASN_INTRO, render_answer(entry, today), LAPOR_FALLBACK))


SUGGESTION_PROMPT = "Saya belum yakin maksud Anda. Apakah salah satu ini?"
COMPLAINT_SUGGESTION_PROMPT = (
    "Sebelum saya catat sebagai pengaduan, mungkin salah satu info ini membantu:"
)
SUGGESTION_TITLE_CHARS = 60


def suggestion_title(entry: Entry) -> str:
    """A button title for ``entry``: its title up to the first colon, at most 60 characters."""
    title = entry.title.split(":", 1)[0].strip() or entry.title
    if len(title) <= SUGGESTION_TITLE_CHARS:
        return title
    return title[: SUGGESTION_TITLE_CHARS - 1].rstrip() + "…"
