"""Handlers of ``sscn telegram set-webhook URL | delete-webhook | poll [--once]``
(the parser is in bot/cli.py, so other commands do not import Rasa)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys

ENV_HELP = "needs TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET (see .env.example)"


def _settings() -> tuple[str, str, str] | None:
    from channels.telegram.channel import DEFAULT_API_BASE_URL

    token, secret = os.environ.get("TELEGRAM_TOKEN"), os.environ.get("TELEGRAM_WEBHOOK_SECRET")
    if not token or not secret:
        print(f"sscn telegram: {ENV_HELP}", file=sys.stderr)
        return None
    return token, secret, os.environ.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL


def _bot(token: str, base_url: str):
    from telegram import Bot

    return Bot(token, base_url=base_url)


def set_webhook(args: argparse.Namespace) -> int:
    from channels.telegram.poller import ALLOWED_UPDATES

    settings = _settings()
    if settings is None:
        return 2
    token, secret, base_url = settings
    if not args.url.startswith("https://"):
        print("sscn telegram: Telegram only calls https:// webhooks", file=sys.stderr)
        return 2

    async def run() -> bool:
        async with _bot(token, base_url) as bot:
            return await bot.set_webhook(
                args.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )

    ok = asyncio.run(run())
    print(f"webhook {'set to ' + args.url if ok else 'NOT set'}")
    return 0 if ok else 1


def delete_webhook(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings is None:
        return 2
    token, _, base_url = settings

    async def run() -> bool:
        async with _bot(token, base_url) as bot:
            return await bot.delete_webhook()

    print("webhook deleted" if asyncio.run(run()) else "webhook NOT deleted")
    return 0


def poll(args: argparse.Namespace) -> int:
    import httpx

    from bot.ledger.db import make_engine, make_sessionmaker
    from bot.ledger.messages import MessageLog
    from channels.telegram.poller import TelegramPoller

    settings = _settings()
    if settings is None:
        return 2
    token, secret, base_url = settings
    rasa_url = os.environ.get("SSCN_RASA_URL", "http://127.0.0.1:5005").rstrip("/")
    log = MessageLog(make_sessionmaker(make_engine()))

    async def run() -> None:
        async with _bot(token, base_url) as bot:
            poller = TelegramPoller(bot, f"{rasa_url}/webhooks/telegram/webhook", secret, log)
            if args.once:
                await bot.delete_webhook()
                async with httpx.AsyncClient(timeout=120) as client:
                    count = await poller.poll_once(client)
                print(f"{count} update(s) forwarded")
            else:
                print(f"polling Telegram into {rasa_url} (Ctrl-C stops)", flush=True)
                await poller.run_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
