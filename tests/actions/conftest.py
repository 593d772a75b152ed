"""Actions run against a private, migrated ledger database (never the repo's var/)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from actions.runtime import intake_desk
from bot.ledger.migrate import upgrade


@pytest.fixture(autouse=True)
def ledger_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    monkeypatch.setenv("SSCN_LEDGER_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("SSCN_OUTBOX_DIR", str(tmp_path / "outbox"))
    intake_desk.cache_clear()
    yield url
    intake_desk.cache_clear()
