"""Handlers of ``sscn telegram set-webhook URL | delete-webhook | poll [--once]``
(the parser is in bot/cli.py, so other commands do not import Rasa)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from bot.config import Settings
from bot.services import Services

ENV_HELP = "needs TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET (see .env.example)"


def _configured(settings: Settings) -> bool:
    if not settings.telegram_token or not settings.telegram_webhook_secret:
        print(f"sscn telegram: {ENV_HELP}", file=sys.stderr)
        return False
    return True


def _bot(settings: Settings):  # -> telegram.ext.ExtBot (imported lazily)
    from channels.telegram.sender import telegram_bot

    return telegram_bot(settings.telegram_token, settings.telegram_api_base_url)


def set_webhook(args: argparse.Namespace, services: Services) -> int:
    from channels.telegram.poller import ALLOWED_UPDATES

    settings = services.settings
    if not _configured(settings):
        return 2
    if not args.url.startswith("https://"):
        print("sscn telegram: Telegram only calls https:// webhooks", file=sys.stderr)
        return 2

    async def run() -> bool:
        async with _bot(settings) as bot:
            return await bot.set_webhook(
                args.url,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )

    ok = asyncio.run(run())
    print(f"webhook {'set to ' + args.url if ok else 'NOT set'}")
    return 0 if ok else 1


def delete_webhook(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    if not _configured(settings):
        return 2

    async def run() -> bool:
        async with _bot(settings) as bot:
            return await bot.delete_webhook()

    print("webhook deleted" if asyncio.run(run()) else "webhook NOT deleted")
    return 0


def poll(args: argparse.Namespace, services: Services) -> int:
    import httpx

    from channels.telegram.poller import TelegramPoller

    settings = services.settings
    if not _configured(settings):
        return 2
    rasa_url = settings.rasa_url.rstrip("/")

    async def run() -> None:
        async with _bot(settings) as bot:
            poller = TelegramPoller(
                bot,
                f"{rasa_url}/webhooks/telegram/webhook",
                settings.telegram_webhook_secret,
                services.message_log,
                settings.telegram_poll_timeout,
            )
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
