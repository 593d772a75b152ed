"""Telegram updates as the few facts the helpdesk needs (parsed with PTB's types,
without running PTB's Application)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from telegram import Update

# What reaches Rasa for /start (with or without a deep-link parameter).
START_PAYLOAD = "/greeting"
# Bot commands (also "/langganan@sscn_bot", as groups send them) and their payloads.
COMMAND = re.compile(r"/([A-Za-z_]+)(?:@\w+)?(?:\s|$)")
COMMANDS = {"start": START_PAYLOAD, "langganan": "/subscribe", "berhenti": "/unsubscribe"}


@dataclass(frozen=True)
class Incoming:
    update_id: int
    chat_id: int
    private: bool
    display_name: str | None
    kind: str  # "text" | "callback" | "unsupported"
    text: str | None = None  # for "unsupported": a short description such as "[foto]"
    callback_query_id: str | None = None
    at: dt.datetime | None = None


MEDIA_LABELS = (
    ("photo", "[foto]"),
    ("sticker", "[stiker]"),
    ("voice", "[pesan suara]"),
    ("audio", "[audio]"),
    ("video", "[video]"),
    ("video_note", "[video]"),
    ("animation", "[animasi]"),
    ("document", "[dokumen]"),
    ("location", "[lokasi]"),
    ("contact", "[kontak]"),
)


def parse_update(data: dict[str, Any]) -> Incoming | None:
    """The update's message or button press; ``None`` for updates the bot ignores
    (edits, membership changes, channel posts...). ``ValueError`` if malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not a Telegram update: 'update_id' missing")
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"malformed Telegram update: {error}") from error
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or not query.data:
            return None
        return Incoming(
            update.update_id,
            message.chat.id,
            message.chat.type == "private",
            query.from_user.full_name if query.from_user else None,
            "callback",
            text=query.data,
            callback_query_id=query.id,
        )
    message = update.message
    if message is None:
        return None
    sender = message.from_user.full_name if message.from_user else None
    common = (update.update_id, message.chat.id, message.chat.type == "private", sender)
    if message.text is not None:
        return Incoming(*common, "text", text=command_payload(message.text), at=message.date)
    label = next((label for attr, label in MEDIA_LABELS if getattr(message, attr, None)), None)
    return Incoming(*common, "unsupported", text=label or "[pesan]", at=message.date)


def command_payload(text: str) -> str:
    """The payload of a bot command (``/start``, ``/langganan``, ``/berhenti``, with a
    parameter or ``@botname``); any other text as it is."""
    command = COMMAND.match(text)
    return COMMANDS.get(command.group(1).lower(), text) if command else text
