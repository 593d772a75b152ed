"""Short follow-ups ("gimana caranya?", "kalau PPPK?") read against the previous answer."""

from __future__ import annotations

import re

from bot.kb.schema import Entry
from bot.programs import named_programs, strip_programs

MAX_WORDS = 6
ANALOG_PHRASINGS = 3
_MARKER = re.compile(
    r"^(kalau|kalo|klo|klu|kl|terus|trus|trs|lalu|lantas|kemudian|setelah\s+itu|habis\s+itu|"
    r"abis\s+itu|itu|gimana|gmn|gmna|bagaimana|bgmn|caranya|cara|trus|nah|lha|untuk|utk|"
    r"buat|bagi|yang|yg|sama|apakah\s+itu|kapan\s+itu)\b"
)
# "resetnya", "syaratnya": an anaphoric -nya; a few words merely end that way.
_ANAPHOR = re.compile(r"\b\w{2,}nya\b")
_NOT_ANAPHORS = {"hanya", "punya", "tanya", "bertanya", "karenanya", "sebenarnya", "biasanya"}
_WORD = re.compile(r"\w+")


def is_followup(text: str) -> bool:
    """True for a short message that leans on what was said before."""
    lowered = text.lower().strip()
    words = _WORD.findall(lowered)
    if not words or len(words) > MAX_WORDS:
        return False
    if _MARKER.match(lowered):
        return True
    if set(_ANAPHOR.findall(lowered)) - _NOT_ANAPHORS:
        return True
    return len(words) <= 2 and bool(named_programs(lowered))  # "PPPK?", "p3k gmn"


def contextual_queries(text: str, previous: Entry, program_changed: bool) -> list[str]:
    """The follow-up with the previous entry in front: its title; when the follow-up
    moves to another program, each of its title and first phrasings without program
    names (the entry for the other program is the one they agree on)."""
    if not program_changed:
        return [f"{previous.title} {text}"]
    texts = (previous.title, *previous.questions[:ANALOG_PHRASINGS])
    return [f"{strip_programs(each)} {text}" for each in texts]
