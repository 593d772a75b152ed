"""``GET /api/pemberitahuan``: new cases and applicant messages since a moment, per agent;
and the words and holders the queue rows carry."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from bot.ledger.messages import MessageLog
from console.blueprints.notify import MAX_LOOKBACK, since_of

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)


def news(console, username: str, since: str | None = None) -> dict:
    session, _ = console.session_of(username)
    params = {"sejak": since} if since is not None else {}
    reply = session.get(f"{console.url}/api/pemberitahuan", params=params, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_new_cases_and_messages_in_the_agents_own_open_cases(console):
    start = news(console, "ani")  # the first poll learns the server's clock
    assert (start["new_cases"], start["messages"]) == (0, 0)
    ticket = console.file_case(summary="nilai SKD belum muncul")
    assert news(console, "ani", start["now"])["new_cases"] == 1
    assert news(console, "budi", start["now"])["new_cases"] == 1

    session, csrf = console.session_of("ani")
    taken = session.post(
        f"{console.url}/kasus/{ticket}/ambil-alih", data={"csrf_token": csrf}, timeout=30
    )
    assert taken.status_code == 200
    later = news(console, "ani")["now"]
    conversation = console.ledger.get(ticket).conversation_id
    log = MessageLog(console.ledger.sessions, claim_seconds=1)
    log.receive("webchat", conversation, None, "sudah saya coba lagi")
    log.receive("webchat", "webchat:someone-else", None, "halo")
    mine, theirs = news(console, "ani", later), news(console, "budi", later)
    assert (mine["new_cases"], mine["messages"], mine["tickets"]) == (0, 1, [ticket])
    assert (theirs["messages"], theirs["tickets"]) == (0, [])

    session.post(
        f"{console.url}/kasus/{ticket}/status",
        data={"csrf_token": csrf, "status": "ditolak", "reason": "bukan kewenangan BKN"},
        timeout=30,
    )
    log.receive("webchat", conversation, None, "kenapa ditolak?")
    assert news(console, "ani", later)["messages"] == 0  # a closed case no longer counts


def test_the_api_needs_a_session(console):
    assert requests.get(f"{console.url}/api/pemberitahuan", timeout=10).status_code == 401


@pytest.mark.parametrize(
    "given, expected",
    [
        (None, NOW),
        ("kemarin", NOW),
        ("2026-12-02T08:59:00", NOW),  # no zone: not trusted
        ("2026-12-02T08:59:30+00:00", NOW - dt.timedelta(seconds=30)),
        ("2026-12-01T09:00:00+00:00", NOW - MAX_LOOKBACK),
        ("2027-01-01T00:00:00+00:00", NOW),
    ],
)
def test_since_is_aware_and_bounded(given, expected):
    assert since_of(given, NOW) == expected


def test_queue_rows_carry_words_and_who_holds_each_case(console):
    ticket = console.file_case(summary="akun terkunci padahal sudah reset")
    session, csrf = console.session_of("budi")
    session.post(f"{console.url}/kasus/{ticket}/ambil-alih", data={"csrf_token": csrf}, timeout=30)
    ani, _ = console.session_of("ani")
    found = ani.get(f"{console.url}/api/antrean", params={"cari": ticket}, timeout=30).json()
    assert [row["ticket"] for row in found] == [ticket]
    row = found[0]
    assert (row["assignee"], row["mine"]) == ("Budi (Humas)", False)
    assert (row["kind_label"], row["channel_label"]) == ("Pengaduan", "Obrolan web")
    assert row["status_label"] == "diterima, menunggu verifikasi petugas"
    assert (row["verification"], row["followup"]) == ("menunggu", "-")
    by_text = ani.get(f"{console.url}/api/antrean", params={"teks": "sudah reset"}, timeout=30)
    assert ticket in [r["ticket"] for r in by_text.json()]
    own = session.get(f"{console.url}/api/antrean", params={"petugas": "saya"}, timeout=30)
    assert [r["mine"] for r in own.json() if r["ticket"] == ticket] == [True]
    page = ani.get(f"{console.url}/", params={"cari": ticket}, timeout=30).text
    assert "Sedang ditangani Budi (Humas)" in page and "1 kasus · halaman 1 dari 1" in page
