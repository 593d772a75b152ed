"""A small ledger world for report tests, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet

from bot.ledger.calendar import WIB
from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import MessageLog
from bot.ledger.migrate import upgrade
from bot.ledger.service import Ledger


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 8, 14, 15, 0, tzinfo=WIB)  # a Friday, 15.00 WIB

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, *args: int) -> None:
        self.now = dt.datetime(*args, tzinfo=WIB)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Every figure on both databases: the report computes part of them in SQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def world(database_url):
    url = database_url
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    clock = Clock()
    ledger = Ledger(sessions, FieldCipher(Fernet.generate_key()), clock=clock)
    return ledger, MessageLog(sessions, clock=clock), sessions, clock
