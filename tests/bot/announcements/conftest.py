"""Announcement tests run on SQLite and on a real PostgreSQL (skipped where absent)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.announcements.broadcasts import Broadcasts
from bot.announcements.subscriptions import Subscriptions
from tests.support.announcements import ENTRY


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 23, 3, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def subscriptions(sessions, clock) -> Subscriptions:
    return Subscriptions(sessions, clock)


@pytest.fixture
def broadcasts(sessions, clock) -> Broadcasts:
    return Broadcasts(sessions, {ENTRY.id: ENTRY}.get, clock)
