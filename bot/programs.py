"""Which selection program (CPNS, PPPK, Sekolah Kedinasan) a message names, and which year."""

from __future__ import annotations

import re

PROGRAMS = ("cpns", "pppk", "kedinasan")
LABELS = {"cpns": "CPNS", "pppk": "PPPK", "kedinasan": "Sekolah Kedinasan"}

_PATTERNS = {
    "cpns": re.compile(r"\b(c\s?pns|calon\s+pns|calon\s+pegawai\s+negeri(\s+sipil)?|pns)\b"),
    "pppk": re.compile(
        r"\b(p{2,3}\s?k|p3k|pegawai\s+pemerintah\s+dengan\s+perjanjian\s+kerja|paruh\s+waktu)\b"
    ),
    "kedinasan": re.compile(
        r"\b(sekolah\s+(ke)?dinas(an)?|sekolah\s+ikatan\s+dinas|sek\s?din|dikdin|(pkn\s+)?stan|"
        r"ipdn|stis|poltek\s?(ip|im|ssn|kesos)|poltekip|poltekim|stmkg|stin)\b"
    ),
}
_YEAR = re.compile(r"(?<![\w-])(20[1-4]\d)(?![\w-])")  # not inside SSCN-2026-00042


def named_programs(text: str) -> frozenset[str]:
    """Every program ``text`` names."""
    lowered = text.lower()
    return frozenset(name for name, pattern in _PATTERNS.items() if pattern.search(lowered))


def detect_program(text: str) -> str | None:
    """The one program ``text`` names, or None when it names none or several."""
    named = named_programs(text)
    return next(iter(named)) if len(named) == 1 else None


def detect_year(text: str) -> int | None:
    """The one season year (2010-2049) ``text`` names, or None."""
    years = set(_YEAR.findall(text))
    return int(years.pop()) if len(years) == 1 else None


def strip_programs(text: str) -> str:
    """``text`` without its program names (to carry a topic over to another program)."""
    lowered = text.lower()
    for pattern in _PATTERNS.values():
        lowered = pattern.sub(" ", lowered)
    return " ".join(lowered.split())
