"""The message an announcement becomes on Telegram, the same in the console preview.

The text, then (when Humas linked a knowledge-base entry) the entry's title and
short answer, and a "Baca selengkapnya" button that asks the bot for the whole
entry (the payload the bot's own suggestion buttons use). All of it fits one
Telegram message, so a subscriber gets exactly one message per announcement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.kb.schema import Entry

MAX_TELEGRAM_CHARS = 4096
MAX_TEXT_CHARS = 3500  # what Humas may write; the linked entry takes the rest
MAX_TITLE_CHARS = 200
MAX_CALLBACK_BYTES = 64
READ_MORE = "📖 Baca selengkapnya"
CHOICE_PAYLOAD = "/question"
STOP_HINT = "Tidak ingin menerima pengumuman lagi? Ketik /berhenti."


@dataclass(frozen=True)
class Rendered:
    """What one subscriber receives."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def choice_payload(entry_id: str) -> str:
    """The payload that makes the bot answer with the entry (actions/answer.py)."""
    return CHOICE_PAYLOAD + json.dumps({"faq_choice": entry_id}, separators=(",", ":"))


def render(text: str, entry: Entry | None) -> Rendered:
    """The announcement as the applicant will see it."""
    parts = [text.strip()]
    buttons: list[dict[str, str]] = []
    if entry is not None:
        parts.append(f"📌 {entry.title}\n{entry.short_answer.strip()}")
        payload = choice_payload(entry.id)
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            buttons.append({"title": READ_MORE, "payload": payload})
    parts.append(STOP_HINT)
    body = "\n\n".join(parts)
    if len(body) > MAX_TELEGRAM_CHARS:  # a very long short answer: keep one message
        body = body[: MAX_TELEGRAM_CHARS - 1].rstrip() + "…"
    return Rendered(body, buttons)
