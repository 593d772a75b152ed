"""The report's announcement figures: broadcasts started in the period and totals."""

from __future__ import annotations

import datetime as dt

from bot.announcements.broadcasts import BLOCKED, FAILED, SENT, Broadcasts
from bot.announcements.subscriptions import Subscriptions
from bot.reports.figures import Period, build_report
from bot.reports.render import as_html


def test_delivered_and_failed_in_the_report_and_its_html(world):
    ledger, _, sessions, clock = world
    clock.at(2026, 9, 2, 10, 0)
    subscriptions = Subscriptions(sessions, clock)
    for chat in range(1, 5):
        subscriptions.subscribe(f"telegram:{chat}")
    broadcasts = Broadcasts(sessions, lambda _: None, clock)
    inside = broadcasts.compose("Jadwal SKD <baru>", "SKD dimulai.", "", "humas1").id
    broadcasts.start(inside)
    broadcasts.acquire(inside, "w", 30)
    for state in (SENT, SENT, FAILED, BLOCKED):
        broadcasts.finish(broadcasts.claim(inside, "w").id, state, "x")
    broadcasts.complete(inside)
    clock.at(2026, 9, 20, 10, 0)  # started after the period: not counted
    outside = broadcasts.compose("Nanti", "isi", "", "humas1").id
    broadcasts.start(outside)

    report = build_report(ledger, sessions, Period(dt.date(2026, 9, 1), dt.date(2026, 9, 7)))
    figures = report["announcements"]
    assert figures["totals"] == {
        "recipients": 4,
        "sent": 2,
        "failed": 1,
        "blocked": 1,
        "unknown": 0,
    }
    assert [b["title"] for b in figures["broadcasts"]] == ["Jadwal SKD <baru>"]
    assert figures["active_subscribers"] == 3
    page = as_html(report)
    assert "Pengumuman Telegram" in page and "Jadwal SKD &lt;baru&gt;" in page
    assert "2 terkirim, 1 gagal, 1 diblokir" in page
