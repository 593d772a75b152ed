"""Long polling: getUpdates from the fake Bot API into the real webhook, offset kept
in the database, nothing answered twice when the poller dies half-way."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest

from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import MessageLog
from bot.ledger.migrate import upgrade
from channels.telegram.poller import OFFSET_CURSOR, TelegramPoller
from channels.telegram.sender import telegram_bot
from devtools.fake_telegram import FakeTelegram, text_update
from devtools.net import free_port
from tests.support.bot_env import TELEGRAM_SECRET
from tests.support.telegram import post

pytestmark = pytest.mark.integration
_ids = itertools.count(50_000)


@pytest.fixture
def log(tmp_path):
    url = f"sqlite:///{tmp_path / 'poller.db'}"
    upgrade(url)
    return MessageLog(make_sessionmaker(make_engine(url)))


def poll_once(fake, log, webhook_url: str) -> int:
    async def run() -> int:
        async with telegram_bot(fake.token, fake.base_url) as bot:
            poller = TelegramPoller(bot, webhook_url, TELEGRAM_SECRET, log, timeout=0)
            async with httpx.AsyncClient(timeout=60) as client:
                return await poller.poll_once(client)

    return asyncio.run(run())


def test_updates_are_forwarded_once_and_the_offset_is_kept(running_bot, fake_telegram, log):
    webhook = f"{running_bot.rasa_url}/webhooks/telegram/webhook"
    chat = 9001
    first, second = text_update(next(_ids), chat, "halo"), text_update(next(_ids), chat, "makasih")
    fake_telegram.updates += [first, second]

    # The poller dies before it could forward anything: the offset stays.
    with pytest.raises(httpx.HTTPError):
        poll_once(fake_telegram, log, f"http://127.0.0.1:{free_port()}/webhook")
    assert log.cursor(OFFSET_CURSOR) is None

    # The first update reached the webhook, but the poller died before storing the offset.
    assert post(running_bot, first).status_code == 200
    replies_to_first = len(fake_telegram.wait_for("sendMessage", chat, 1))

    assert poll_once(fake_telegram, log, webhook) == 2
    assert log.cursor(OFFSET_CURSOR) == str(second["update_id"] + 1)
    sent = fake_telegram.wait_for("sendMessage", chat, replies_to_first + 1)
    texts = [call["text"] for call in sent]
    assert len(texts) == replies_to_first + 1  # "halo" answered once, "makasih" once
    assert poll_once(fake_telegram, log, webhook) == 0  # nothing new after the offset


@pytest.mark.parametrize(
    ("status", "headers", "wait"), [(503, {"Retry-After": "5"}, 5.0), (500, {}, 1.0)]
)
def test_a_webhook_5xx_keeps_the_update_and_waits_before_the_next_round(log, status, headers, wait):
    fake = FakeTelegram()  # its own: the shared fake holds other tests' updates
    fake.updates.append(text_update(next(_ids), 9002, "halo"))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def run() -> int:
        webhook = httpx.MockTransport(lambda _: httpx.Response(status, headers=headers, json={}))
        async with telegram_bot(fake.token, fake.base_url) as bot:
            poller = TelegramPoller(bot, "http://rasa/webhook", TELEGRAM_SECRET, log, 0, sleep)
            async with httpx.AsyncClient(transport=webhook) as client:
                return await poller.poll_once(client)

    try:
        assert asyncio.run(run()) == 0
    finally:
        fake.stop()
    assert waits == [wait] and log.cursor(OFFSET_CURSOR) is None
