"""Actions run against a private, migrated ledger database (never the repo's var/)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

import actions.runtime
from bot.config import Settings
from bot.ledger.migrate import upgrade
from bot.services import Services


@pytest.fixture(autouse=True)
def ledger_url(tmp_path, monkeypatch):
    """The action server's case desk on a fresh ledger and outbox."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    settings = Settings.from_env().replace(
        database_url=url,
        ledger_key=Fernet.generate_key().decode(),
        outbox_dir=tmp_path / "outbox",
    )
    monkeypatch.setattr(actions.runtime, "services", Services(settings))
    yield url
