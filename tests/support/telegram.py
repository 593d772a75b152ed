"""Telegram's webhook calls to a running bot, and what a duplicated update must get."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from channels.telegram.channel import SECRET_HEADER
from devtools.fake_telegram import FakeTelegram
from devtools.servers import RunningBot
from tests.support.bot_env import TELEGRAM_SECRET


def post(
    bot: RunningBot,
    update: dict | None,
    secret: str | None = TELEGRAM_SECRET,
    raw: bytes | None = None,
) -> requests.Response:
    """POST ``update`` (or ``raw`` bytes) to the Telegram webhook, with ``secret``."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    url = f"{bot.rasa_url}/webhooks/telegram/webhook"
    if raw is not None:
        return requests.post(url, data=raw, headers=headers, timeout=30)
    return requests.post(url, json=update, headers=headers, timeout=30)


def deliver_at_once(
    bot: RunningBot, update: dict, copies: int, instances: int = 1
) -> list[requests.Response]:
    """``copies`` deliveries of one update at the same moment (spread over instances)."""
    urls = bot.rasa_urls[:instances]
    with ThreadPoolExecutor(copies) as pool:
        return list(
            pool.map(
                lambda n: requests.post(
                    f"{urls[n % len(urls)]}/webhooks/telegram/webhook",
                    json=update,
                    headers={SECRET_HEADER: TELEGRAM_SECRET},
                    timeout=60,
                ),
                range(copies),
            )
        )


def assert_answered_once(
    bot: RunningBot,
    fake: FakeTelegram,
    update: dict,
    control: int,
    replies: list[requests.Response],
) -> None:
    """One copy handled, the others told to come back (or, if late, told it was handled);
    redelivered, they are duplicates;
    the chat got as many replies as a chat that sent the message once, and the
    conversation has one user message."""
    outcomes = [r.json()["status"] if r.status_code == 200 else r.status_code for r in replies]
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "duplicate", 503}, outcomes
    assert all(r.headers["Retry-After"] == "5" for r in replies if r.status_code == 503)
    for url in bot.rasa_urls:
        again = requests.post(
            f"{url}/webhooks/telegram/webhook",
            json=update,
            headers={SECRET_HEADER: TELEGRAM_SECRET},
            timeout=30,
        )
        assert again.json() == {"status": "duplicate"}
    chat = update["message"]["chat"]["id"]
    expected = len(fake.calls_to("sendMessage", control))
    assert expected and len(fake.calls_to("sendMessage", chat)) == expected
    events = bot.tracker(f"telegram:{chat}")["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["halo min"]
