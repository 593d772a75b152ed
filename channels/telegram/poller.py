"""Long polling for machines without a public URL: ``getUpdates`` -> our own webhook.

Every update goes through the same webhook handler as in webhook mode (secret,
dedupe, answering), so both modes behave the same. The offset is stored in the
database only after the webhook accepted the update: a poller killed at any
point re-reads at most the updates it had not confirmed, and the webhook's
``update_id`` dedupe answers each once. A 5xx from the webhook (the dialogue
failed, or another copy of the update is still being handled) waits for its
``Retry-After`` and delivers the update again in the next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.ledger.db import UNAVAILABLE
from bot.ledger.messages import MessageLog
from channels.telegram.channel import SECRET_HEADER

logger = logging.getLogger(__name__)
OFFSET_CURSOR = "telegram:offset"
ALLOWED_UPDATES = ["message", "callback_query"]
RETRY_SECONDS = 1.0  # after a 5xx from the webhook, before the same update again
MAX_RETRY_SECONDS = 60.0


def retry_after(reply: httpx.Response) -> float:
    """Seconds to wait before delivering again: the webhook's ``Retry-After`` (sent
    while another copy of the update is being handled), else a short pause."""
    try:
        return min(float(reply.headers.get("Retry-After", RETRY_SECONDS)), MAX_RETRY_SECONDS)
    except ValueError:
        return RETRY_SECONDS


class TelegramPoller:
    def __init__(
        self,
        bot: Bot,
        webhook_url: str,
        secret: str,
        log: MessageLog,
        timeout: int,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.webhook_url = webhook_url
        self.secret = secret
        self.log = log
        self.timeout = timeout  # seconds a getUpdates call waits (TELEGRAM_POLL_TIMEOUT)
        self._sleep = sleep

    async def poll_once(self, client: httpx.AsyncClient) -> int:
        """Fetch and forward one batch; returns how many updates were confirmed."""
        stored = await asyncio.to_thread(self.log.cursor, OFFSET_CURSOR)
        updates = await self.bot.get_updates(  # a rate-limited bot waits out RetryAfter
            offset=int(stored) if stored else None,
            timeout=self.timeout,
            allowed_updates=ALLOWED_UPDATES,
        )
        confirmed = 0
        for update in updates:
            reply = await client.post(
                self.webhook_url, json=update.to_dict(), headers={SECRET_HEADER: self.secret}
            )
            if reply.status_code >= 500:
                wait = retry_after(reply)
                logger.warning(
                    "webhook answered %s; update %s retried in %.0f s",
                    reply.status_code,
                    update.update_id,
                    wait,
                )
                await self._sleep(wait)
                break
            if reply.status_code >= 400:
                logger.error("webhook refused update %s: %s", update.update_id, reply.text)
            await asyncio.to_thread(self.log.set_cursor, OFFSET_CURSOR, str(update.update_id + 1))
            confirmed += 1
        return confirmed

    async def run_forever(self, retry_seconds: float = 5.0) -> None:
        """Poll until cancelled; network, webhook or database trouble waits and retries."""
        await self.bot.delete_webhook()  # getUpdates does not work while a webhook is set
        async with httpx.AsyncClient(timeout=120) as client:
            while True:
                try:
                    await self.poll_once(client)
                except (NetworkError, TimedOut, httpx.HTTPError, *UNAVAILABLE) as error:
                    logger.warning("telegram poll: %s; retrying in %.0f s", error, retry_seconds)
                    await self._sleep(retry_seconds)
