"""The Telegram side of announcements: ``AnnouncementPort`` over the Bot API.

A plain ``telegram.Bot`` (no ``AIORateLimiter``): the worker paces the sends and
decides what a flood limit means (bot/announcements/sending.py). Telegram's
errors are read as what they tell about delivery: 429 -> ``RateLimited``;
blocked, deactivated, chat not found -> ``ChatRefused``; a connection that was
never made -> ``NotDelivered``; a timeout or a broken answer -> ``MaybeDelivered``
(the message may have arrived); another refusal -> ``Refused``; a token
Telegram does not accept -> ``PortUnavailable``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.announcements.message import Rendered
from bot.announcements.sending import (
    MAX_IN_FLIGHT,
    BroadcastWorker,
    ChatRefused,
    MaybeDelivered,
    NotDelivered,
    PortUnavailable,
    RateLimited,
    Refused,
)
from bot.conversations import platform_id
from bot.services import Services
from bot.vocabulary import Channel
from channels.telegram.sender import keyboard

GONE_CHATS = ("chat not found", "user is deactivated", "peer_id_invalid")
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class MissingToken(PortUnavailable):
    """TELEGRAM_TOKEN is not set."""


class TelegramAnnouncements:
    """Sends one announcement message to a ``telegram:<chat id>`` conversation."""

    def __init__(self, token: str, base_url: str) -> None:
        if not token:
            raise MissingToken(
                "TELEGRAM_TOKEN belum diatur: pengumuman tidak bisa dikirim (tidak ada yang "
                "ditandai terkirim)."
            )
        request = HTTPXRequest(connection_pool_size=MAX_IN_FLIGHT + 2)
        self._bot = Bot(token, base_url=base_url, request=request)

    async def send(self, conversation_id: str, message: Rendered) -> int:
        chat_id = platform_id(conversation_id, Channel.TELEGRAM)
        try:
            sent = await self._bot.send_message(
                chat_id=chat_id, text=message.text, reply_markup=keyboard(message.buttons)
            )
        except RetryAfter as error:
            raise RateLimited(_seconds(error.retry_after)) from error
        except Forbidden as error:
            raise ChatRefused(error.message) from error
        except InvalidToken as error:
            raise PortUnavailable(f"Telegram menolak TELEGRAM_TOKEN: {error.message}") from error
        except BadRequest as error:
            if any(words in error.message.lower() for words in GONE_CHATS):
                raise ChatRefused(error.message) from error
            raise Refused(error.message) from error
        except (TimedOut, NetworkError) as error:
            if isinstance(error.__cause__, NEVER_SENT):
                raise NotDelivered(error.message) from error
            raise MaybeDelivered(error.message) from error
        return sent.message_id

    async def close(self) -> None:
        await self._bot.shutdown()


def _seconds(retry_after: int | float | dt.timedelta) -> float:
    if isinstance(retry_after, dt.timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


def telegram_worker(services: Services, **options: Any) -> BroadcastWorker:
    """The announcement worker of ``services`` sending through the Bot API;
    ``MissingToken`` when ``TELEGRAM_TOKEN`` is not set."""
    settings = services.settings
    port = TelegramAnnouncements(settings.telegram_token, settings.telegram_api_base_url)
    return BroadcastWorker(
        services.broadcasts,
        port,
        rate=settings.broadcast_rate,
        lease_seconds=settings.broadcast_lease_seconds,
        **options,
    )
