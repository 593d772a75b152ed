"""Text normalisation for informal Indonesian, and X's weighted text length."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import yaml
from indoNLP.preprocessing.slang_data import SLANG_DATA as KAMUS_ALAY
from twitter_text import extract_urls_with_indices, parse_tweet

LEXICON_FILE = Path(__file__).parent / "data" / "slang-id.yml"
KEEP_KEY = "keep"
MIN_BASE_FORM = 2


def load_lexicon(path: Path = LEXICON_FILE, base: Mapping[str, str] = KAMUS_ALAY) -> dict[str, str]:
    """Colloquial form -> standard form: the single-word forms of ``base`` (by default
    Kamus Alay, shipped by indoNLP) longer than two letters ("pg", "sk", "mb", "c"
    are passing grade, SK, megabyte, accreditation C here), minus the forms
    ``path`` keeps as they are (``keep:``), overridden by every register of ``path``."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    keep = {str(form).lower() for form in document.get(KEEP_KEY) or ()}
    lexicon = {
        form.lower(): standard.lower()
        for form, standard in base.items()
        if " " not in form and len(form) > MIN_BASE_FORM and form.lower() not in keep
    }
    for register, forms in document.items():
        if register == KEEP_KEY:
            continue
        for form, standard in (forms or {}).items():
            lexicon[str(form).lower()] = str(standard).lower()
    return lexicon


# Chat slang, typos, English mixing, Sundanese and Javanese words -> standard
# Indonesian: Kamus Alay as the base, bot/data/slang-id.yml on top. Character
# n-grams take care of the rest.
SLANG: dict[str, str] = load_lexicon()

# A link in chat text (dropped by normalize, masked when posts are compared).
URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_NON_WORD = re.compile(r"[^\w\s\-/]", re.UNICODE)
# "tolonggg" -> "tolong"; "PPPK" is a word, not a repeat.
_REPEAT = re.compile(r"(?<![^\W\d_])pppk(?![^\W\d_])|(\w)\1{2,}")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, drop mentions/URLs/emoji, fold repeats and expand slang."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = text.replace("#", " ")
    text = _NON_WORD.sub(" ", text)
    text = _REPEAT.sub(lambda match: match.group(1) or match.group(0), text)
    return _SPACES.sub(" ", " ".join(_expand(text.split()))).strip()


def _expand(words: list[str]) -> list[str]:
    """Replace two-word forms first ("teu acan"), then single words."""
    out: list[str] = []
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        if index + 1 < len(words) and pair in SLANG:
            out.append(SLANG[pair])
            index += 2
        else:
            out.append(SLANG.get(words[index], words[index]))
            index += 1
    return out


TWEET_MAX_WEIGHT = 280


def tweet_weight(text: str) -> int:
    """Length of ``text`` as X counts it (twitter-text's v3 config): a URL weighs 23,
    emoji (with their modifiers and joiners) and CJK characters weigh 2."""
    return parse_tweet(text).weightedLength


def tweet_url_spans(text: str) -> list[tuple[int, int]]:
    """Where X sees URLs in ``text`` (start, end): the spans a post must not be cut in."""
    return [tuple(found["indices"]) for found in extract_urls_with_indices(text)]
