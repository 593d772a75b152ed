"""Sending to Telegram: long texts split, Rasa buttons as inline keyboards, flood
limits (``RetryAfter``) waited out."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter

logger = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_BYTES = 64
MAX_ATTEMPTS = 5
T = TypeVar("T")


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, line or word end."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit  # one very long word: cut it
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """One button per row; a payload over Telegram's 64 bytes falls back to the title,
    which the NLU reads like typed text."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "")[:64]
        data = str(button.get("payload") or title)
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            logger.warning("Button payload over 64 bytes, sending its title instead: %r", data)
            data = title.encode("utf-8")[:MAX_CALLBACK_BYTES].decode("utf-8", "ignore")
        if title and data:
            rows.append([InlineKeyboardButton(title, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def retry_seconds(error: RetryAfter) -> float:
    value = error._retry_after  # a timedelta; the public property warns about ints
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def with_flood_control(
    call: Callable[[], Awaitable[T]], sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
) -> T:
    """Run ``call``; on ``RetryAfter`` wait as long as Telegram asks and try again."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as error:
            if attempt == MAX_ATTEMPTS:
                raise
            wait = retry_seconds(error)
            logger.warning("Telegram flood control: waiting %.1f s (attempt %d)", wait, attempt)
            await sleep(wait)
    raise AssertionError("unreachable")


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(
        self, chat_id: int | str, text: str, buttons: list[dict[str, Any]] | None = None
    ) -> list[int]:
        """Send ``text`` (split when long; the buttons go with the last piece)."""
        pieces = split_text(text) or [""]
        sent = []
        for index, piece in enumerate(pieces):
            markup = keyboard(buttons or []) if index == len(pieces) - 1 else None
            message = await with_flood_control(
                lambda piece=piece, markup=markup: self.bot.send_message(
                    chat_id=chat_id, text=piece, reply_markup=markup
                )
            )
            sent.append(message.message_id)
        return sent

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's spinner (Telegram expects an answer to every press)."""
        await with_flood_control(lambda: self.bot.answer_callback_query(callback_query_id))
