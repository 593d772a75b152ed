"""Short follow-ups ("gimana caranya?", "kalau PPPK?") read against the previous answer."""

from __future__ import annotations

import re

from bot.kb.schema import Entry
from bot.programs import named_programs, strip_programs

MAX_WORDS = 6
ANALOG_PHRASINGS = 3
_MARKER = re.compile(
    r"^(kalau|kalo|klo|klu|kl|terus|trus|trs|lalu|lantas|kemudian|setelah\s+itu|habis\s+itu|"
    r"abis\s+itu|itu|gimana|gmn|gmna|bagaimana|bgmn|caranya|cara|nah|lha|untuk|utk|"
    r"buat|bagi|yang|yg|sama|apakah\s+itu|kapan\s+itu)\b"
)
# "resetnya", "syaratnya": an anaphoric -nya; a few words merely end that way.
_ANAPHOR = re.compile(r"\b\w{2,}nya\b")
_NOT_ANAPHORS = {"hanya", "punya", "tanya", "bertanya", "karenanya", "sebenarnya", "biasanya"}
_WORD = re.compile(r"\w+")
# Words that ask "how / when / what about" without saying about what.
_FILLER_WORDS = (
    "kalau kalo klo klu kl terus trus trs lalu lantas kemudian setelah habis abis itu "
    "ini gimana gmn gmna bagaimana bgmn cara caranya nah lha untuk utk buat bagi yang yg "
    "sama apakah apa kapan kpn berapa brp dimana mana siapa kenapa mengapa sudah udah "
    "sdh belum blm aja saja dong sih kah ya iya min kak pak bu mas mbak saya aku bisa "
    "gak ga nggak tidak tdk harus lagi juga dan atau dengan dgn di ke dari jadi kok deh "
    "tuh"
)
_FILLERS = frozenset(_FILLER_WORDS.split())


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


# Words that ask when a stage opens or closes ("kapan ditutup?", "sampai kapan?").
_WHEN_WORD_LIST = (
    "kapan kpn kapankah dibuka buka bukanya ditutup tutup tutupnya penutupan pembukaan "
    "deadline deadlinenya batas batasnya terakhir akhir akhirnya sampai sampe smp hingga "
    "tanggal tgl tanggalnya jadwal jadwalnya dimulai mulai mulainya berakhir selesai "
    "lama tinggal sisa hari"
)
_WHEN_WORDS = frozenset(_WHEN_WORD_LIST.split())


def asks_when(text: str) -> bool:
    """True for a short question only about when ("kapan ditutup?", "sampai kapan
    pppk?"): read against the stage of the previous answer."""
    words = _WORD.findall(strip_programs(text))
    if not words or len(words) > MAX_WORDS:
        return False
    return any(w in _WHEN_WORDS for w in words) and all(
        w in _WHEN_WORDS or w in _FILLERS for w in words
    )


def content_words(text: str) -> set[str]:
    """The words of ``text`` that say what it is about (no fillers, no program names)."""
    words = _WORD.findall(strip_programs(text))
    stems = {word[:-3] if len(word) > 5 and word.endswith("nya") else word for word in words}
    return {word for word in stems if word not in _FILLERS and not word.isdigit()}


def contextual_queries(text: str, previous: Entry, program_changed: bool) -> list[str]:
    """The follow-up with the previous entry in front: its title; when the follow-up
    moves to another program, each of its title and first phrasings without program
    names (the entry for the other program is the one they agree on)."""
    if not program_changed:
        return [f"{previous.title} {text}"]
    texts = (previous.title, *previous.questions[:ANALOG_PHRASINGS])
    return [f"{strip_programs(each)} {text}" for each in texts]
