"""Ledger tests run on SQLite and on a real PostgreSQL (skipped where absent)."""

from __future__ import annotations

import pytest

from bot.ledger.db import make_engine
from bot.ledger.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
