"""Bot replies as public posts on X: personal data removed, buttons as a text line,
threads of numbered parts of at most 280 weighted characters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.privacy import redact_personal_data
from bot.text import tweet_weight

TWEET_LIMIT = 280
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")
_URL = re.compile(r"https?://\S+")


def public_safe(text: str) -> str:
    """The text with NIK, phone numbers and e-mail addresses replaced."""
    return redact_personal_data(text)


def message_text(message: dict[str, Any]) -> str:
    """A bot message with its buttons as "Balas: A / B" (X has no buttons)."""
    text = (message.get("text") or "").strip()
    titles = [
        _EMOJI.sub("", str(b.get("title") or "")).strip()
        for b in message.get("buttons") or []
        if b.get("title")
    ]
    if titles:
        text = f"{text}\nBalas: {' / '.join(titles)}".strip()
    return text


def thread_parts(messages: Iterable[dict[str, Any]], limit: int = TWEET_LIMIT) -> list[str]:
    """The replies of one turn as a thread: each part fits ``limit`` with its " (i/n)"."""
    text = "\n\n".join(t for t in (message_text(m) for m in messages) if t)
    text = public_safe(text)
    if not text:
        return []
    if tweet_weight(text) <= limit:
        return [text]
    # Reserve room for the " (i/n)" suffix; 9 covers threads of up to 99 parts.
    chunks = _split(text, limit - 9)
    return [f"{chunk} ({i}/{len(chunks)})" for i, chunk in enumerate(chunks, start=1)]


def _split(text: str, limit: int) -> list[str]:
    words = re.findall(r"\S+\s*", text)
    chunks: list[str] = []
    current = ""
    for word in words:
        candidate = current + word
        if current and tweet_weight(candidate.rstrip()) > limit:
            chunks.append(current.rstrip())
            current = word
        else:
            current = candidate
        while not _URL.fullmatch(current.strip()) and tweet_weight(current.rstrip()) > limit:
            cut = _longest_prefix(current, limit)  # one word longer than a post: cut it
            chunks.append(current[:cut])
            current = current[cut:]
    if current.strip():
        chunks.append(current.rstrip())
    return chunks


def _longest_prefix(text: str, limit: int) -> int:
    end = len(text)
    while end > 1 and tweet_weight(text[:end]) > limit:
        end -= 1
    return end
