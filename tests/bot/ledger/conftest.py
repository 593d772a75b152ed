"""Ledger tests run on SQLite and on a real PostgreSQL (skipped where absent)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet

from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.models import Base, Unit
from bot.ledger.service import Ledger


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


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 23, 3, 0, tzinfo=dt.timezone.utc)  # 10:00 WIB

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ledger(engine, clock):
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        session.add(Unit(code="DIT_PENGADAAN", name="Direktorat Pengadaan dan Kepangkatan"))
    return Ledger(sessions, FieldCipher(Fernet.generate_key()), clock=clock)
