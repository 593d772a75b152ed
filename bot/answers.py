"""Turn a knowledge-base entry into the text an applicant receives."""

from __future__ import annotations

import datetime as dt

from bot.dates import format_date_id
from bot.kb.schema import Entry

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
