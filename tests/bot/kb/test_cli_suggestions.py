"""`sscn kb suggestions` on a migrated SQLite ledger and a small knowledge base."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.cli import main
from bot.ledger.calendar import WIB
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.lookups import record_lookup
from tests.support.kb import default_kb

NIK = "3201234567890123"
QUESTIONS = [
    ("gmn cara ganti foto profil sscasn min", "telegram"),
    ("cara ganti foto profil sscasn", "webchat"),
    (f"ganti poto profil sscasn nik {NIK}", "telegram"),
    ("lupa password sscasn gimana ya", "webchat"),
    ("saya lupa pw akun sscasn", "telegram"),
]


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    """Lookups of today and of ten days ago (WIB) in a fresh ledger."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    monkeypatch.setenv("SSCN_KB_DIR", str(default_kb(tmp_path / "kb")))
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = dt.datetime.now(WIB)
    for question, channel in QUESTIONS:
        record_lookup(sessions, channel, None, question, now, conversation_id=f"{channel}:1")
    for _ in range(2):
        old = now - dt.timedelta(days=10)
        record_lookup(sessions, "webchat", None, "formasi guru pppk 2024 kapan dibuka", old)
    engine.dispose()
    return now.date()


def test_json_lists_the_last_weeks_suggestions_largest_first(ledger, capsys):
    capsys.readouterr()
    assert main(["kb", "suggestions", "--json"]) == 0
    out = capsys.readouterr().out
    assert NIK not in out
    data = json.loads(out)
    assert [s["size"] for s in data] == [3, 2]
    photo = data[0]
    assert photo["channels"] == {"telegram": 2, "webchat": 1}
    assert photo["reasons"] == {"unanswered": 3}
    assert photo["state"] == "open" and photo["first_day"] == ledger.isoformat()
    assert photo["examples"] and photo["proposed_id"] and photo["proposed_title"].endswith("?")
    assert data[1]["nearest"][0]["entry_id"] == "lupa_password"
    assert 0 < data[1]["nearest"][0]["score"] <= 1


def test_text_and_an_older_period(ledger, capsys):
    first = (ledger - dt.timedelta(days=11)).isoformat()
    last = (ledger - dt.timedelta(days=9)).isoformat()
    capsys.readouterr()
    assert main(["kb", "suggestions", "--from", first, "--to", last]) == 0
    out = capsys.readouterr().out
    assert f"Saran FAQ {first} s.d. {last}: 1" in out
    assert "ditanyakan 2 kali" in out and "formasi guru pppk 2024 kapan dibuka" in out
    assert "kanal: webchat 2" in out and "alasan: tak terjawab 2" in out
    assert "foto" not in out


def test_a_reversed_period_is_refused(ledger, capsys):
    assert main(["kb", "suggestions", "--from", "2026-12-02", "--to", "2026-12-01"]) == 2
    assert "Periode berakhir sebelum dimulai" in capsys.readouterr().err
    assert main(["kb", "suggestions", "--to", "0001-01-02"]) == 2
    assert "Periode tidak valid" in capsys.readouterr().err
