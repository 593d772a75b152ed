"""Dates written the Indonesian way, and today's date where the helpdesk works."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo(os.environ.get("SSCN_TIMEZONE", "Asia/Jakarta"))

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


def today() -> dt.date:
    """Today's date where the helpdesk works (``SSCN_TIMEZONE``, WIB by default)."""
    return dt.datetime.now(TIMEZONE).date()


def format_date_id(day: dt.date) -> str:
    """``14 Januari 2027``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
