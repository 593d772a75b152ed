"""Bot replies as public posts on X: personal data removed, buttons as a text line,
threads of numbered parts of at most 280 weighted characters.

X counts a post's length by weight (``bot.text.tweet_weight``): a URL weighs 23
whatever its length, emoji and CJK characters weigh 2. A reply that does not fit
becomes a thread whose parts end in " (i/n)"; the suffix counts towards the limit.
Parts break after a sentence where one ends late enough, otherwise between words;
only a single word longer than a post is cut, and never inside a URL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from bot.privacy import redact_personal_data
from bot.text import TWEET_MAX_WEIGHT, tweet_url_spans, tweet_weight

TWEET_LIMIT = TWEET_MAX_WEIGHT
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]")
_SENTENCE_END = re.compile(r"[.!?…:;)\"']\s+$|\n\s*$")
_SPACES = re.compile(r"[ \t]+")


def public_safe(text: str) -> str:
    """The text with NIK, phone numbers and e-mail addresses replaced by placeholders."""
    return redact_personal_data(text)


def message_text(message: dict[str, Any]) -> str:
    """A bot message with its buttons as "Balas: A / B" (X has no buttons)."""
    text = (message.get("text") or "").strip()
    titles = [
        _SPACES.sub(" ", _EMOJI.sub("", str(button.get("title") or ""))).strip()
        for button in message.get("buttons") or []
        if isinstance(button, dict)
    ]
    titles = [title for title in titles if title]
    if titles:
        text = f"{text}\nBalas: {' / '.join(titles)}".strip()
    return text


def thread_parts(messages: Iterable[dict[str, Any]], limit: int = TWEET_LIMIT) -> list[str]:
    """The replies of one turn as public posts: one if it fits, else a numbered thread."""
    text = "\n\n".join(t for t in (message_text(m) for m in messages) if t)
    return split_post(public_safe(text), limit)


def split_post(text: str, limit: int = TWEET_LIMIT) -> list[str]:
    """``text`` as parts of at most ``limit`` weighted characters, " (i/n)" included."""
    text = text.strip()
    if not text:
        return []
    if tweet_weight(text) <= limit:
        return [text]
    digits = 1
    while True:
        # The widest suffix of a thread of n parts is " (n/n)"; all suffixes are ASCII.
        reserve = len(f" ({'9' * digits}/{'9' * digits})")
        chunks = _split(text, limit - reserve)
        if len(str(len(chunks))) <= digits:
            break
        digits = len(str(len(chunks)))
    total = len(chunks)
    return [f"{chunk} ({index}/{total})" for index, chunk in enumerate(chunks, start=1)]


@functools.lru_cache(maxsize=4096)
def _word_weights(word: str) -> tuple[int, int]:
    """X's weight of a word with and without the whitespace after it."""
    return tweet_weight(word), tweet_weight(word.rstrip())


def _words_weight(words: list[str]) -> int:
    """The weight of ``"".join(words).rstrip()``: words end at whitespace, which X
    never links or joins an emoji across, so their weights add up (and each word is
    weighed once, not once per candidate part)."""
    if not words:
        return 0
    return sum(_word_weights(word)[0] for word in words[:-1]) + _word_weights(words[-1])[1]


def _split(text: str, limit: int) -> list[str]:
    """Greedy split into chunks of weight <= ``limit``, preferring sentence ends."""
    chunks: list[str] = []
    words = re.findall(r"\S+\s*", text)  # each word keeps the whitespace after it
    current: list[str] = []
    for word in words:
        if current and _words_weight([*current, word]) > limit:
            keep = _sentence_break(current, limit)
            chunks.append("".join(current[:keep]).rstrip())
            current = current[keep:]
            if current and _words_weight([*current, word]) > limit:
                chunks.append("".join(current).rstrip())
                current = []
        current.append(word)
        while _words_weight(current) > limit:
            # Only a single word longer than a post gets here: cut it.
            joined = "".join(current)
            cut = _longest_prefix(joined, limit)
            chunks.append(joined[:cut].rstrip())
            current = [joined[cut:]] if joined[cut:] else []
    if current and "".join(current).strip():
        chunks.append("".join(current).rstrip())
    return [chunk for chunk in chunks if chunk]


def _sentence_break(words: list[str], limit: int) -> int:
    """How many of ``words`` to keep: up to the last sentence end past half the limit."""
    for keep in range(len(words) - 1, 0, -1):
        if _SENTENCE_END.search(words[keep - 1]):
            if _words_weight(words[:keep]) >= limit // 2:
                return keep
            break
    return len(words)


def _longest_prefix(text: str, limit: int) -> int:
    """The longest prefix of ``text`` within ``limit`` that does not end inside a URL."""
    urls = tweet_url_spans(text)
    end = len(text)
    while end > 1 and (
        tweet_weight(text[:end].rstrip()) > limit or any(a < end < b for a, b in urls)
    ):
        end -= 1
    return end
