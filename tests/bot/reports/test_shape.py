"""The JSON shape and the CSV columns of a report are an interface: consumers (BKN's
dashboards, spreadsheets) break when they change. A change must update the snapshot
on purpose: ``SSCN_UPDATE_SNAPSHOTS=1 pytest tests/bot/reports/test_shape.py``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

from bot.ledger.lifecycle import Status
from bot.reports.figures import Period, build_report
from bot.reports.render import CSV_HEADER, as_csv, as_json
from bot.seasons import parse_calendar
from tests.support.reports import complaint

SNAPSHOT = Path(__file__).with_name("report_shape.json")


def shape(value: Any, path: str = "") -> set[str]:
    """Every key path of ``value``; list items collapse into ``[]``, free-form maps
    (keyed by day or channel) into ``*``."""
    if isinstance(value, dict):
        free_form = path.endswith(
            (
                "by_kind",
                "daily_inbound",
                "daily_inbound.*",
                "per_channel",
                "first_response_histogram.bot",
                "first_response_histogram.agent",
            )
        )
        paths = {path} if path else set()
        for key, item in value.items():
            paths |= shape(item, f"{path}.{'*' if free_form else key}".lstrip("."))
        return paths
    if isinstance(value, list):
        paths = {f"{path}[]"}
        for item in value:
            paths |= shape(item, f"{path}[]")
        return paths
    return {path}


def test_json_shape_and_csv_columns_are_stable(world):
    ledger, log, sessions, clock = world
    clock.at(2026, 9, 1, 9, 0)
    inbound, _ = log.receive("twitter", "u1", "tweet-1", "@BKNgoid upload gagal")
    log.record_sent("twitter", "u1", "Maaf, kami cek.", "bot", inbound.id)
    ticket = ledger.file(complaint("u1", "unggah_dokumen", "upload gagal", "twitter")).case.ticket
    clock.at(2026, 9, 2, 9, 0)
    ledger.record(ticket, "ani", "agent_reply", new="sudah kami cek")
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    ledger.set_status(ticket, Status.SELESAI, "ani")
    ledger.rate("twitter", "u1", 4)
    ledger.file(complaint("u2", "akun_nik", "nik ditolak"))  # left open: breaches the SLA
    clock.at(2026, 9, 30, 16, 0)
    seasons = parse_calendar(
        {
            "seasons": [
                {
                    "program": "cpns",
                    "year": 2026,
                    "announced": True,
                    "stages": [{"key": "pendaftaran", "start": "2026-08-20", "end": "2026-09-10"}],
                }
            ]
        }
    )
    period = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    report = build_report(ledger, sessions, period, None, seasons)

    current = {
        "json_paths": sorted(shape(json.loads(as_json(report)))),
        "csv_header": list(CSV_HEADER),
        "csv_sections": sorted({row[0] for row in csv.reader(io.StringIO(as_csv(report)))}),
    }
    if os.environ.get("SSCN_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected, "report shape changed: update the snapshot on purpose"
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert rows[0] == ["section", "metric", "value"]
    assert all(len(row) == 3 for row in rows)
