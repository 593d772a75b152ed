"""Dates written the Indonesian way, and today's date where the helpdesk works."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings, current_settings

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def today(settings: Settings | None = None) -> dt.date:
    """Today's date where the helpdesk works (``settings.timezone``, WIB by default)."""
    return (settings or current_settings()).today()


def format_date_id(day: dt.date) -> str:
    """``14 Januari 2027``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
