"""Fixtures shared by the test suite: one trained model and one running bot per run,
and a private schema on the real PostgreSQL."""

from __future__ import annotations

import shutil
from contextlib import ExitStack

import pytest
from sqlalchemy.exc import OperationalError

from bot.config import current_settings
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.models import Base
from bot.services import process_services
from devtools.fake_telegram import FakeTelegram
from devtools.postgres import POSTGRES_URL, scratch_schema
from devtools.servers import start_bot, train_model
from tests.support.bot_env import channels_env


@pytest.fixture(autouse=True)
def fresh_settings():
    """Each test reads the environment anew (tests monkeypatch variables) and leaves no
    settings behind."""
    current_settings.cache_clear()
    process_services.cache_clear()
    yield
    current_settings.cache_clear()
    process_services.cache_clear()


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    return train_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def fake_telegram():
    fake = FakeTelegram()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def running_bot(trained_model, fake_telegram, tmp_path_factory):
    """One Rasa + action server for the run; its Telegram channel talks to the fake API."""
    env = channels_env(fake_telegram)
    bot = start_bot(trained_model, tmp_path_factory.mktemp("bot"), extra_env=env)
    yield bot
    bot.stop()


@pytest.fixture
def postgres_url():
    """A URL whose connections use a fresh schema, dropped afterwards."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_schema())
        except OperationalError as error:
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    """Sessions of a fresh ledger schema, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser downloads)."""
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
