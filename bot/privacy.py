"""Personal-data guard: find, redact and mask NIK, phone numbers and e-mails."""

from __future__ import annotations

import re

# A NIK is 16 digits; applicants sometimes group them with spaces or dots.
NIK_PATTERN = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")
PHONE_PATTERN = re.compile(r"(?<![\w+])(?:\+62|62|0)8\d{1,3}[ \-]?\d{3,4}[ \-]?\d{3,5}(?!\d)")
EMAIL_PATTERN = re.compile(r"[\w.+\-]+@[\w\-]+\.[\w.\-]+")

NIK_PLACEHOLDER = "[NIK]"
PHONE_PLACEHOLDER = "[TELEPON]"
EMAIL_PLACEHOLDER = "[EMAIL]"


def _is_nik(candidate: str) -> bool:
    return len(re.sub(r"\D", "", candidate)) == 16


def contains_nik(text: str) -> bool:
    """True when ``text`` holds a 16-digit number (possibly grouped)."""
    return any(_is_nik(match.group()) for match in NIK_PATTERN.finditer(text))


def redact_nik(text: str) -> str:
    """Replace every NIK-like number with a placeholder."""
    return NIK_PATTERN.sub(
        lambda match: NIK_PLACEHOLDER if _is_nik(match.group()) else match.group(), text
    )


def redact_personal_data(text: str) -> str:
    """Replace NIK, phone numbers and e-mail addresses: for logs and reports."""
    text = redact_nik(text)
    text = EMAIL_PATTERN.sub(EMAIL_PLACEHOLDER, text)
    return PHONE_PATTERN.sub(PHONE_PLACEHOLDER, text)


def mask_nik(nik: str) -> str:
    """Show a NIK as its first two and last two digits: ``32************01``."""
    digits = re.sub(r"\D", "", nik)
    if len(digits) < 6:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def find_contacts(text: str) -> list[str]:
    """E-mail addresses and phone numbers written in ``text``, in order of appearance."""
    found = [(m.start(), m.group()) for m in EMAIL_PATTERN.finditer(text)]
    found += [(m.start(), m.group()) for m in PHONE_PATTERN.finditer(text)]
    return [value for _, value in sorted(found)]
