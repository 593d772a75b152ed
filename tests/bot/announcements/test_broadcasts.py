"""Composing, starting, leases and claims, erasure and retention of broadcasts."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.announcements.broadcasts import BLOCKED, SENT, UNKNOWN, BroadcastError
from bot.announcements.message import MAX_TEXT_CHARS, READ_MORE, choice_payload
from bot.reports.announcements import announcement_figures
from bot.reports.figures import Period
from tests.support.announcements import ENTRY


def started(broadcasts, subscriptions, chats=3, **fields) -> int:
    for chat in range(1, chats + 1):
        subscriptions.subscribe(f"telegram:{chat}")
    view = broadcasts.compose(
        fields.get("title", "Jadwal SKD"), fields.get("text", "SKD dimulai."), "", "humas1"
    )
    assert broadcasts.start(view.id) == chats
    return view.id


@pytest.mark.parametrize(
    ("title", "text", "entry", "message"),
    [
        ("", "isi", "", "Judul wajib"),
        ("x" * 201, "isi", "", "Judul wajib"),
        ("Judul", "  ", "", "Isi pengumuman wajib"),
        ("Judul", "x" * (MAX_TEXT_CHARS + 1), "", "terlalu panjang"),
        ("Judul", "isi", "tidak_ada", "tidak ada"),
    ],
)
def test_compose_refuses_what_cannot_be_sent(broadcasts, title, text, entry, message):
    with pytest.raises(BroadcastError, match=message):
        broadcasts.compose(title, text, entry, "humas1")
    assert broadcasts.list() == []


def test_the_linked_entry_is_shown_with_a_button_to_read_it(broadcasts):
    view = broadcasts.compose("Jadwal", "Jadwal SKD sudah keluar 🎉", ENTRY.id, "humas1")
    message = broadcasts.rendered(view)
    assert message.text.startswith("Jadwal SKD sudah keluar 🎉")
    assert ENTRY.title in message.text and ENTRY.short_answer in message.text
    assert message.buttons == [{"title": READ_MORE, "payload": choice_payload(ENTRY.id)}]
    assert choice_payload(ENTRY.id) == '/question{"faq_choice":"jadwal_skd"}'
    assert len(message.text) <= 4096


def test_starting_snapshots_active_subscribers_once(broadcasts, subscriptions):
    for chat in (1, 2, 3):
        subscriptions.subscribe(f"telegram:{chat}")
    subscriptions.unsubscribe("telegram:3")
    view = broadcasts.compose("Jadwal", "SKD dimulai.", "", "humas1")
    assert broadcasts.start(view.id) == 2
    assert broadcasts.start(view.id) == 0  # a double click
    subscriptions.subscribe("telegram:4")  # after the start: not a recipient
    again = broadcasts.get(view.id)
    assert (again.state, again.recipients) == ("sending", 2)
    assert broadcasts.recipient_states(view.id) == {"pending": 2}


def test_concurrent_starts_start_once(broadcasts, subscriptions):
    for chat in range(1, 6):
        subscriptions.subscribe(f"telegram:{chat}")
    view = broadcasts.compose("Jadwal", "SKD dimulai.", "", "humas1")
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda _: broadcasts.start(view.id), range(4)))
    assert sorted(counts) == [0, 0, 0, 5]
    assert broadcasts.recipient_states(view.id) == {"pending": 5}


def test_no_subscribers_no_start(broadcasts):
    view = broadcasts.compose("Jadwal", "SKD dimulai.", "", "humas1")
    with pytest.raises(BroadcastError, match="Belum ada pelanggan"):
        broadcasts.start(view.id)
    assert broadcasts.get(view.id).state == "draft"


def test_one_lease_at_a_time_and_a_dead_workers_sends_become_unknown(
    broadcasts, subscriptions, clock
):
    first = started(broadcasts, subscriptions)
    assert broadcasts.acquire(first, "a", 30)
    assert not broadcasts.acquire(first, "b", 30)
    assert broadcasts.claim(first, "b") is None  # no lease, no claim
    claim = broadcasts.claim(first, "a")
    assert claim.conversation_id == "telegram:1"
    second = broadcasts.compose("Lain", "isi", "", "humas1").id
    broadcasts.start(second)
    assert not broadcasts.acquire(second, "b", 30)  # one broadcast at a time
    clock.now += dt.timedelta(seconds=31)  # "a" died holding the lease
    assert not broadcasts.renew(first, "a", 30)
    assert broadcasts.acquire(first, "b", 30)
    assert broadcasts.abandon_in_flight(first) == 1
    broadcasts.finish(claim.id, SENT, None, 99)  # "a" wakes up: too late, stays unknown
    view = broadcasts.get(first)
    assert (view.unknown, view.sent) == (1, 0)
    assert broadcasts.claim(first, "b").conversation_id == "telegram:2"


def test_pause_stops_claims_cancel_is_final(broadcasts, subscriptions):
    broadcast = started(broadcasts, subscriptions)
    assert broadcasts.acquire(broadcast, "a", 30)
    assert broadcasts.pause(broadcast)
    assert broadcasts.claim(broadcast, "a") is None
    assert not broadcasts.renew(broadcast, "a", 30)
    assert broadcasts.resume(broadcast)
    assert broadcasts.cancel(broadcast)
    assert not broadcasts.resume(broadcast)
    view = broadcasts.get(broadcast)
    assert view.state == "cancelled" and view.finished_at is not None


def test_blocked_recipient_makes_the_subscriber_inactive(broadcasts, subscriptions):
    broadcast = started(broadcasts, subscriptions, chats=1)
    broadcasts.acquire(broadcast, "a", 30)
    claim = broadcasts.claim(broadcast, "a")
    broadcasts.finish(claim.id, BLOCKED, "Forbidden: bot was blocked by the user")
    assert subscriptions.state("telegram:1") == "inactive"
    assert broadcasts.complete(broadcast)
    assert broadcasts.get(broadcast).blocked == 1


def test_forget_and_purge_keep_the_reports_totals(broadcasts, subscriptions, clock):
    broadcast = started(broadcasts, subscriptions, chats=3)
    broadcasts.acquire(broadcast, "a", 30)
    for state in (SENT, UNKNOWN):
        broadcasts.finish(broadcasts.claim(broadcast, "a").id, state)
    # telegram:3 is still pending: erasing it takes it out of the broadcast
    assert broadcasts.forget("telegram:3") == 2  # recipient row + subscriber row
    assert broadcasts.forget("telegram:3") == 0
    assert broadcasts.complete(broadcast)
    period = Period(dt.date(2026, 12, 23), dt.date(2026, 12, 23))
    before = announcement_figures(broadcasts._sessions, period)
    assert before["totals"] == {"recipients": 2, "sent": 1, "failed": 0, "blocked": 0, "unknown": 1}
    assert before["active_subscribers"] == 2
    assert broadcasts.forget("telegram:1") == 2
    assert broadcasts.purge_before(clock.now) == 0  # finished at "now": not before
    later = clock.now + dt.timedelta(seconds=1)
    assert broadcasts.purge_before(later, dry_run=True) == 1  # counted, kept
    assert broadcasts.purge_before(later) == 1
    assert broadcasts.purge_before(later, dry_run=True) == 0
    assert broadcasts.recipient_states(broadcast) == {}
    after = announcement_figures(broadcasts._sessions, period)
    assert after["totals"] == before["totals"]
    assert after["broadcasts"][0]["title"] == "Jadwal SKD"
