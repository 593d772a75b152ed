"""Sending to Telegram: long texts split, Rasa buttons as inline keyboards, flood
limits (``RetryAfter``) waited out by python-telegram-bot's ``AIORateLimiter``."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import AIORateLimiter, ExtBot

logger = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_BYTES = 64
# A RetryAfter is waited out and the call retried this many times, then raised.
MAX_RETRIES = 4


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


def telegram_bot(token: str, base_url: str) -> ExtBot:
    """A Bot whose calls keep to Telegram's flood limits: sends are throttled per
    chat and overall, and a ``RetryAfter`` waits as long as Telegram asks, then the
    call is made again (``MAX_RETRIES`` times at most)."""
    return ExtBot(token, base_url=base_url, rate_limiter=AIORateLimiter(max_retries=MAX_RETRIES))


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
            message = await self.bot.send_message(chat_id=chat_id, text=piece, reply_markup=markup)
            sent.append(message.message_id)
        return sent

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's spinner (Telegram expects an answer to every press)."""
        await self.bot.answer_callback_query(callback_query_id)
