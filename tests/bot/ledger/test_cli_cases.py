"""`sscn cases list | show | set-status | assign` on a migrated SQLite ledger."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.fernet import Fernet

from bot.cli import main
from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.service import Ledger, NewCase

NIK = "3201234567890123"


@pytest.fixture
def filed(tmp_path, monkeypatch):
    """Two cases: one received long ago (breached), one just now."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    monkeypatch.setenv("SSCN_LEDGER_KEY", key)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    old = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.timezone.utc)
    tickets = []
    for when, user in ((old, "u1"), (dt.datetime.now(dt.timezone.utc), "u2")):
        ledger = Ledger(make_sessionmaker(engine), FieldCipher(key), clock=lambda when=when: when)
        tickets.append(
            ledger.file(
                NewCase(
                    "webchat",
                    user,
                    user,
                    "complaint",
                    "upload ijazah gagal",
                    sscn_topic="unggah_dokumen",
                    nik=NIK,
                )
            ).case.ticket
        )
    engine.dispose()
    return tickets


def test_show_json_has_the_documented_shape(filed, capsys):
    capsys.readouterr()
    assert main(["cases", "show", filed[0], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {
        "ticket",
        "status",
        "kind",
        "sscn_topic",
        "lapor_type",
        "channel",
        "received_at",
        "sla_due_at",
        "breached",
        "events",
    } <= set(data)
    assert data["received_at"] == "2026-01-05T09:00:00+07:00"
    assert data["sla_due_at"] == "2026-01-22T15:30:00+07:00"
    assert data["breached"] is True
    assert data["nik"] == "32************23"
    assert data["events"][0] == {
        "at": "2026-01-05T09:00:00+07:00",
        "actor": "bot",
        "type": "created",
        "old": None,
        "new": "belum_diverifikasi",
    }


def test_list_filters_and_breached(filed, capsys):
    capsys.readouterr()
    assert main(["cases", "list", "--breached"]) == 0
    out = capsys.readouterr().out
    assert filed[0] in out and filed[1] not in out and "LEWAT SLA" in out
    assert main(["cases", "list", "--topic", "unggah_dokumen"]) == 0
    out = capsys.readouterr().out
    assert all(ticket in out for ticket in filed)


def test_set_status_and_assign(filed, capsys):
    assert main(["cases", "set-status", filed[1], "selesai", "--actor", "agen"]) == 1
    assert "tidak diizinkan" in capsys.readouterr().err
    assert main(["cases", "set-status", filed[1], "beres", "--actor", "agen"]) == 1
    assert "known: belum_diverifikasi" in capsys.readouterr().err
    assert main(["cases", "set-status", filed[1], "belum_ditindaklanjuti", "--actor", "agen"]) == 0
    assert main(["cases", "assign", filed[1], "HUMAS", "--actor", "agen"]) == 0
    assert "Biro Hubungan Masyarakat" in capsys.readouterr().out
    assert main(["cases", "assign", filed[1], "NOPE", "--actor", "agen"]) == 1
    assert main(["cases", "show", "SSCN-2026-99999"]) == 1
