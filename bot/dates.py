"""Dates written the Indonesian way."""

from __future__ import annotations

import datetime as dt

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


def format_date_id(day: dt.date) -> str:
    """``14 Januari 2027``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
