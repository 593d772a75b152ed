"""Personal-data guard: find, redact and mask NIK, phone numbers and e-mail addresses.

Every pattern is linear in the text length: a match can only start at the start
of a run (lookbehinds), and inside a match the quantifiers are bounded or walk
classes that do not overlap (digits, separators), so a megabyte of digits or word
characters costs one scan, not one per position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NIK_PLACEHOLDER = "[NIK]"
PHONE_PLACEHOLDER = "[TELEPON]"
EMAIL_PLACEHOLDER = "[EMAIL]"
# redact_personal_data reads at most this much of a text.
PERSONAL_DATA_MAX_CHARS = 100_000

NIK_DIGITS = 16
# What people (their keyboards, or the PDF they copied from) put between digits:
# any Unicode space, zero-width characters, dots, commas, slashes, dashes, "_".
SEPARATOR_CHARS = (
    r"\s\u00ad\u200b-\u200d\u2060\ufeff\ufe0f\u20e3"
    r".,/\\_\u00b7\u2010-\u2015\u2212\-"
)
MAX_GAP = 4  # separator characters between two digits of one number
_GAP = f"[{SEPARATOR_CHARS}]{{0,{MAX_GAP}}}"
# ``\d`` is any Unicode decimal digit (fullwidth, Arabic-Indic, ...).
# A chain: digits joined by short gaps, holding at least a NIK's worth of digits.
# (The lookbehind follows the first digit so that the scan can skip to digits.)
_CHAIN = re.compile(rf"\d(?<!\d\d)(?:{_GAP}\d){{{NIK_DIGITS - 1},}}")
# A NIK inside a chain: 16 digits from the start of a group to the end of a group.
_NIK = re.compile(rf"(?<!\d)(?:\d{_GAP}){{{NIK_DIGITS - 1}}}\d(?!\d)")
_DIGIT_RUN = re.compile(r"(\d+)")
# A chain up to this length (a bound on the cost) made only of phone numbers and
# dates is not a NIK.
_LIST_MAX_CHARS = 256
_PHONE_DIGITS = re.compile(r"(?:08|628)\d{8,11}")

# 08xx, 628xx or +62 8xx at the start of a word (no letter, digit or "+" before it;
# checked after the first character so that the scan can skip to "+", "6" and "0").
PHONE_PATTERN = re.compile(
    r"[+60](?<![\w+][+60])(?:(?<=\+)62[ \-]?|(?<=6)2|(?<=0))8\d(?:[ .\-]?\d){6,10}(?!\d)"
)
EMAIL_PATTERN = re.compile(r"(?<![\w.+\-])[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}")
_CONTACT = re.compile(f"(?P<email>{EMAIL_PATTERN.pattern})|(?P<phone>{PHONE_PATTERN.pattern})")

# The reversed tail of a cut text: its run of digits and separators, or the last
# 15 digits (with the separators among them).
_TRAILING_RUN = re.compile(rf"[\d{SEPARATOR_CHARS}]*")
_TRAILING_DIGITS = re.compile(
    rf"[{SEPARATOR_CHARS}]*(?:\d[{SEPARATOR_CHARS}]*){{0,{NIK_DIGITS - 1}}}"
)


@dataclass(frozen=True)
class Redaction:
    """A text with its personal data replaced, and what was found."""

    text: str
    nik_found: bool = False
    # E-mail addresses and phone numbers as written, in order of appearance.
    contacts: tuple[str, ...] = field(default=(), repr=False)


def _ascii_digits(digits: str) -> str:
    return digits if digits.isascii() else "".join(str(int(digit)) for digit in digits)


def _is_date(groups: list[str], gaps: list[str]) -> bool:
    """``17-08-2026``, ``2026/08/17``: three groups, one separator, plausible values."""
    if len(groups) != 3 or gaps[0] != gaps[1]:
        return False
    sizes = [len(group) for group in groups]
    if sizes[2] == 4 and max(sizes[:2]) <= 2:
        day, month, year = (int(group) for group in groups)
    elif sizes[0] == 4 and max(sizes[1:]) <= 2:
        year, month, day = (int(group) for group in groups)
    else:
        return False
    return 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2099


def _phone_ends(groups: list[str], start: int) -> list[int]:
    """Where a phone number beginning at group ``start`` can end (exclusive)."""
    ends, digits = [], ""
    for end in range(start, len(groups)):
        digits += groups[end]
        if len(digits) > 14:
            break
        if _PHONE_DIGITS.fullmatch(digits):
            ends.append(end + 1)
    return ends


def _is_phone_or_date_list(groups: list[str], gaps: list[str]) -> bool:
    """True when the groups of a chain split into phone numbers and dates."""
    first = groups[0]  # a cheap first check: can it begin a phone number or a date?
    if not (first[0] in "06" or len(first) <= 2 or first[:2] in ("19", "20")):
        return False
    reachable = [True] + [False] * len(groups)
    for start in range(len(groups)):
        if not reachable[start]:
            continue
        if _is_date(groups[start : start + 3], gaps[start : start + 2]):
            reachable[start + 3] = True
        if groups[start][0] in "06":
            for end in _phone_ends(groups, start):
                reachable[end] = True
    return reachable[-1]


def _nik_windows(sizes: list[int]) -> list[tuple[int, int]]:
    """Runs of whole groups holding exactly 16 digits, overlapping ones merged."""
    merged: list[tuple[int, int]] = []
    end = total = 0
    for start, size in enumerate(sizes):
        while end < len(sizes) and total < NIK_DIGITS:
            total, end = total + sizes[end], end + 1
        if total == NIK_DIGITS:
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        total -= size
    return merged


def _redact_chain(match: re.Match[str]) -> str:
    chain = match.group()
    if len(chain) > _LIST_MAX_CHARS:  # not how anyone writes numbers: all of it goes
        return NIK_PLACEHOLDER if _NIK.search(chain) else chain
    parts = _DIGIT_RUN.split(chain)  # "", group, gap, group, ..., group, ""
    groups = [_ascii_digits(group) for group in parts[1::2]]
    if _is_phone_or_date_list(groups, parts[2:-1:2]):
        return chain
    # Every group that is part of some 16-digit run goes: a NIK next to other
    # numbers must not lose only its first digits to a run that starts earlier.
    for start, end in _nik_windows([len(group) for group in groups]):
        parts[2 * start + 1 : 2 * end] = [NIK_PLACEHOLDER] + [""] * (2 * (end - start) - 2)
    return "".join(parts)


def redact_nik(text: str) -> str:
    """Replace every NIK with a placeholder: 16 decimal digits of any script, with up
    to 4 separator characters between two digits.

    Longer runs of digits, dates, ticket numbers and numbers made only of phone
    numbers and dates stay. Next to other numbers, every group of digits that can
    belong to a 16-digit run goes.
    """
    return _CHAIN.sub(_redact_chain, text)


def redact(text: str) -> Redaction:
    """NIK, e-mail addresses and phone numbers replaced by placeholders (in that order)."""
    without_nik = redact_nik(text)
    contacts: list[str] = []

    def replace(match: re.Match[str]) -> str:
        contacts.append(match.group())
        return EMAIL_PLACEHOLDER if match.lastgroup == "email" else PHONE_PLACEHOLDER

    # Without an "@" there is no e-mail address: the phone pattern alone scans faster.
    pattern = _CONTACT if "@" in without_nik else PHONE_PATTERN
    redacted = pattern.sub(replace, without_nik)
    return Redaction(redacted, without_nik != text, tuple(contacts))


def redact_personal_data(text: str) -> str:
    """Replace NIK, phone numbers and e-mail addresses: for logs, reports and posts.

    Texts longer than ``PERSONAL_DATA_MAX_CHARS`` are cut first (``safe_prefix``),
    so one call costs a few milliseconds at most, whatever the caller passes.
    """
    return redact(safe_prefix(text, PERSONAL_DATA_MAX_CHARS)).text


def safe_prefix(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters without leaving a fragment.

    At a cut, the trailing run of digits and separators goes (it may be a NIK split
    by the cut); when the whole prefix is such a run, only its last 15 digits go:
    the most a split NIK leaves behind.
    """
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    reversed_head = head[::-1]  # matched from its start: linear
    cut = _TRAILING_RUN.match(reversed_head).end()
    if cut == len(head):
        cut = _TRAILING_DIGITS.match(reversed_head).end()
    return head[: len(head) - cut]


def mask_nik(nik: str) -> str:
    """Show a NIK as its first two and last two digits: ``32************01``."""
    digits = re.sub(r"\D", "", nik)
    if len(digits) < 6:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
