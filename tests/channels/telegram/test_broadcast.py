"""Announcements to ~200 subscribers through the fake Bot API: Telegram's limits, a
blocked bot, flood limits, and a worker killed mid-way (never a message twice)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter

import pytest

from bot.announcements.broadcasts import Broadcasts
from bot.announcements.sending import BroadcastWorker
from bot.announcements.subscriptions import Subscriptions
from bot.ledger.calendar import WIB
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade
from bot.reports.announcements import announcement_figures
from bot.reports.figures import Period
from channels.telegram.broadcast import TelegramAnnouncements
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.servers import VENV_BIN
from tests.support.announcements import ENTRY

TELEGRAM_LIMIT = 30  # messages per second overall
FIRST_CHAT = 900_000


@pytest.fixture
def fake():
    fake = FakeTelegram()
    yield fake
    fake.stop()


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield url, make_sessionmaker(engine)
    engine.dispose()


def subscribed_broadcast(sessions, chats: int, text: str = "SKD dimulai 2 Januari.") -> int:
    subscriptions = Subscriptions(sessions)
    for chat in range(FIRST_CHAT, FIRST_CHAT + chats):
        subscriptions.subscribe(f"telegram:{chat}")
    broadcasts = Broadcasts(sessions, {ENTRY.id: ENTRY}.get)
    view = broadcasts.compose("Jadwal SKD", text, ENTRY.id, "humas1")
    assert broadcasts.start(view.id) == chats
    return view.id


def busiest_second(arrivals: list[tuple[float, int]]) -> int:
    """The most requests in any window of one second."""
    times = sorted(at for at, _ in arrivals)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_two_hundred_subscribers_within_telegrams_limits(fake, database):
    _, sessions = database
    broadcast = subscribed_broadcast(sessions, 200)
    blocked = [FIRST_CHAT + 5, FIRST_CHAT + 77, FIRST_CHAT + 150]
    for chat in blocked:
        fake.block(chat)
    fake.fail("sendMessage", 1)
    fake.fail("sendMessage", 1)
    store = Broadcasts(sessions, {ENTRY.id: ENTRY}.get)
    port = TelegramAnnouncements(TOKEN, fake.base_url)
    worker = BroadcastWorker(store, port, rate=25, lease_seconds=30)

    async def run():
        try:
            return await worker.run(broadcast)
        finally:
            await worker.close()

    outcome = asyncio.run(run())
    assert outcome.ending == "finished"
    assert busiest_second(fake.arrivals) <= TELEGRAM_LIMIT
    per_chat = Counter(int(call["chat_id"]) for call in fake.calls_to("sendMessage"))
    assert set(per_chat.values()) == {1}
    assert len(per_chat) == 197 and not set(blocked) & set(per_chat)
    assert len(fake.arrivals) == 197 + 3 + 2  # sent, blocked, the two flood-limited asked again
    call = fake.calls_to("sendMessage")[0]
    assert ENTRY.short_answer in call["text"] and "/berhenti" in call["text"]
    button = call["reply_markup"]["inline_keyboard"][0][0]
    assert button["callback_data"] == '/question{"faq_choice":"jadwal_skd"}'
    view = store.get(broadcast)
    assert (view.state, view.sent, view.blocked, view.failed, view.unknown) == (
        "done",
        197,
        3,
        0,
        0,
    )
    subscriptions = Subscriptions(sessions)
    assert [subscriptions.state(f"telegram:{chat}") for chat in blocked] == ["inactive"] * 3
    assert subscriptions.active_count() == 197
    day = view.started_at.astimezone(WIB).date()
    figures = announcement_figures(sessions, Period(day, day))
    assert figures["totals"] == {
        "recipients": 200,
        "sent": 197,
        "failed": 0,
        "blocked": 3,
        "unknown": 0,
    }


def resume(url: str, fake: FakeTelegram, broadcast: int, **env: str) -> subprocess.Popen:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SSCN_", "TELEGRAM_"))},
        "SSCN_DATABASE_URL": url,
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "SSCN_BROADCAST_LEASE_SECONDS": "2",
        **env,
    }
    return subprocess.Popen(
        [str(VENV_BIN / "sscn"), "broadcast", "resume", str(broadcast)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_a_killed_worker_is_resumed_without_sending_anything_twice(fake, database):
    url, sessions = database
    broadcast = subscribed_broadcast(sessions, 150)
    fake.delay = 0.2  # several requests in flight when the worker dies
    worker = resume(url, fake, broadcast)
    deadline = time.monotonic() + 60
    while len(fake.calls_to("sendMessage")) < 40:
        assert worker.poll() is None and time.monotonic() < deadline, worker.stdout.read()
        time.sleep(0.05)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    store = Broadcasts(sessions, {ENTRY.id: ENTRY}.get)
    in_flight = store.recipient_states(broadcast).get("sending", 0)
    assert in_flight >= 1

    fake.delay = 0.0
    again = resume(url, fake, broadcast)
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output
    assert "tidak pasti" in output

    per_chat = Counter(int(call["chat_id"]) for call in fake.calls_to("sendMessage"))
    assert max(per_chat.values()) == 1  # never two
    states = store.recipient_states(broadcast)
    assert states == {"sent": 150 - in_flight, "unknown": in_flight}
    view = store.get(broadcast)
    assert (view.state, view.sent, view.unknown) == ("done", 150 - in_flight, in_flight)
    assert len(per_chat) >= view.sent  # every "sent" got its message; "unknown" at most one


def test_without_a_token_nothing_is_sent_or_marked(fake, database):
    url, sessions = database
    broadcast = subscribed_broadcast(sessions, 3)
    worker = resume(url, fake, broadcast, TELEGRAM_TOKEN="")
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 2
    assert "TELEGRAM_TOKEN belum diatur" in output
    store = Broadcasts(sessions, {ENTRY.id: ENTRY}.get)
    assert store.recipient_states(broadcast) == {"pending": 3}
    assert fake.calls_to("sendMessage") == []
