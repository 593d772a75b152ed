"""The environment of the bots the tests start: the secrets their channels check."""

from __future__ import annotations

from devtools.fake_telegram import FakeTelegram

TELEGRAM_SECRET = "s3cret-for-tests"
POLLER_TOKEN = "poller-token-for-tests"


def channels_env(fake_telegram: FakeTelegram) -> dict[str, str]:
    """Telegram through ``fake_telegram`` with the test secret; the pollers' token."""
    return {
        "TELEGRAM_TOKEN": fake_telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
        "SSCN_POLLER_TOKEN": POLLER_TOKEN,
    }
