"""Turn a knowledge-base entry into the text an applicant receives."""

from __future__ import annotations

import datetime as dt

from bot.dates import format_date_id
from bot.kb.schema import Entry
from bot.programs import LABELS
from bot.seasons import Season

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


def render_answer(entry: Entry, today: dt.date, short: bool = False) -> str:
    """The answer (or the short variant for X), with links and the season note."""
    if short:
        return SHORT_SEASON_PREFIX.get(entry.season(today), "") + entry.short_answer
    parts = [entry.answer]
    parts.extend(
        f"{link.title}: {link.url}" for link in entry.links if link.url not in entry.answer
    )
    note = season_note(entry, today)
    if note:
        parts.append(note)
    return "\n\n".join(parts)


def program_label(program: str | None) -> str:
    """``CPNS``, ``PPPK``, ``Sekolah Kedinasan``; ``CASN`` for no program in particular."""
    return LABELS.get(program or "", "CASN")


def render_season(season: Season, today: dt.date) -> str:
    """A season's registration window, or that it has not been announced yet."""
    name = f"{program_label(season.program)} {season.year}"
    opened, closed = season.registration_open, season.registration_close
    if not season.announced or not (opened and closed):
        return (
            f"Jadwal seleksi {name} belum diumumkan. Jadwal resmi akan diumumkan di "
            f"{season.published_at}. Waspadai info jadwal dari sumber lain ya 🙏"
        )
    tense = "dibuka" if closed >= today else "sudah berlangsung pada"
    return (
        f"Pendaftaran {name} {tense} {format_date_id(opened)} sampai {format_date_id(closed)}. "
        f"Jadwal lengkap dan resminya ada di {season.published_at}."
    )


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
