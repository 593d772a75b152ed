"""`sscn demo-data` writes a plausible season through the ledger code."""

from __future__ import annotations

import datetime as dt

from cryptography.fernet import Fernet

from bot.cli import main
from bot.ledger.crypto import cipher_for
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade
from bot.ledger.service import Ledger
from bot.reports.figures import Period, build_report


def test_a_small_season(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SSCN_LEDGER_KEY", key)
    assert main(["demo-data", "--days", "7", "--scale", "0.3"]) == 0
    assert "conversations" in capsys.readouterr().out
    assert main(["demo-data", "--season", "1999"]) == 2

    sessions = make_sessionmaker(make_engine(url))
    report = build_report(
        Ledger(sessions, cipher_for(key)),
        sessions,
        Period(dt.date(2019, 11, 11), dt.date(2019, 11, 17)),
    )
    messages, cases = report["messages"], report["cases"]
    daily = messages["daily_inbound"]
    assert len(daily) == 7
    first, last = sum(daily["2019-11-11"].values()), sum(daily["2019-11-17"].values())
    assert first > 2 * last  # the opening rush decays
    assert set(messages["per_channel"]) == {"webchat", "telegram", "twitter"}
    assert 0.85 <= messages["containment"]["containment"] <= 0.97
    assert cases["cases"] > 10 and cases["lapor_status"]["selesai"] > 0
    assert cases["ikm"]["grade"] in {"A", "B"}
    assert report["knowledge_base"]["unanswered_clusters"]
