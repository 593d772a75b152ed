"""Report figures on hand-built ledgers with known answers."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet

from bot.ledger.calendar import WIB
from bot.ledger.lifecycle import Status
from bot.ledger.messages import ANSWERED, FAILED
from bot.reports.figures import Period, build_report, spread
from bot.reports.render import as_text
from bot.topics import load_lapor_types
from tests.support.reports import complaint


def test_friday_before_a_holiday_resolved_on_tuesday(world):
    ledger, _, sessions, clock = world
    ticket = ledger.file(complaint("u1", "unggah_dokumen", "upload ijazah gagal")).case.ticket
    clock.at(2026, 8, 18, 9, 0)  # Monday 17 August is Independence Day
    ledger.record(ticket, "ani", "agent_reply", new="sudah kami cek")
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    ledger.set_status(ticket, Status.SELESAI, "ani")
    ledger.rate("webchat", "u1", 4)
    report = build_report(ledger, sessions, Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31)))
    cases = report["cases"]
    # Working time: Friday 15.00-16.00 plus Tuesday 08.00-09.00 = 2 hours.
    assert cases["resolution_hours"]["working"] == {"n": 1, "median": 2.0, "p90": 2.0}
    assert cases["resolution_hours"]["calendar"]["median"] == 90.0  # Fri 15.00 -> Tue 09.00
    assert cases["first_human_response_hours"]["working"]["median"] == 2.0
    assert cases["rtl_days"] == 3.75
    assert cases["ikm"]["converted"] == 100.0 and cases["ikm"]["grade"] == "A"


def test_lapor_table_topics_and_sla(world):
    ledger, _, sessions, clock = world
    clock.at(2026, 9, 1, 9, 0)
    first = ledger.file(complaint("u1", "unggah_dokumen", "upload ijazah gagal")).case.ticket
    ledger.file(complaint("u2", "penipuan", "ada calo minta uang"))
    ledger.file(complaint("u3", "pppk", "formasi pppk tidak muncul", channel="telegram"))
    ledger.set_status(first, Status.BELUM_DITINDAKLANJUTI, "ani")
    clock.at(2026, 10, 1, 9, 0)  # a month later every open case is past its 12 working days
    report = build_report(ledger, sessions, Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)))
    cases = report["cases"]
    assert cases["lapor_status"] == {
        "total": 3,
        "belum_diverifikasi": 2,
        "belum_ditindaklanjuti": 1,
        "dalam_proses": 0,
        "selesai": 0,
        "ditolak": 0,
        "duplikat": 0,
    }
    table = {row["id"]: row["count"] for row in cases["by_lapor_type"]}
    assert list(table) == list(load_lapor_types()) and table["rekrutmen_cpns"] == 1
    assert table["penipuan_cpns"] == 1 and table["pppk"] == 1 and table["pensiun_pns"] == 0
    assert {row["id"]: row["count"] for row in cases["by_topic"]}["penipuan"] == 1
    assert cases["sla"]["breached"] == 3 and cases["sla"]["compliance"] == 0.0
    assert [c["ticket"] for c in cases["sla"]["breached_cases"]][0] == first
    telegram = build_report(
        ledger, sessions, Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)), "telegram"
    )
    assert telegram["cases"]["cases"] == 1
    empty = build_report(ledger, sessions, Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)))
    assert empty["cases"]["sla"]["compliance"] is None and empty["cases"]["ikm"] is None


def test_messages_mentions_and_response_times(world):
    ledger, log, sessions, clock = world
    clock.at(2026, 9, 2, 10, 0)
    chat, _ = log.receive("webchat", "s1", None, "halo")
    clock.at(2026, 9, 2, 10, 0, 2)
    log.record_sent("webchat", "s1", "Halo!", "bot", chat.id)
    clock.at(2026, 9, 2, 10, 10)
    log.record_sent("webchat", "s1", "Saya Ani", "agent:ani", chat.id)
    clock.at(2026, 9, 2, 11, 0)
    answered, _ = log.receive("twitter", "7", "101", "@BKNgoid lupa pw")
    (part,) = log.add_parts(answered, ["Buka helpdesk"])
    clock.at(2026, 9, 2, 11, 1)
    log.mark_posted(part.id, "900")
    log.set_status(answered.id, ANSWERED)
    log.receive("twitter", "8", "102", "@BKNgoid halo")  # never answered
    down, _ = log.receive("telegram", "telegram:9", "103", "kapan skd")
    log.set_status(down.id, FAILED, "action_server_unavailable")  # got only an apology
    messages = build_report(ledger, sessions, Period(dt.date(2026, 9, 2), dt.date(2026, 9, 2)))[
        "messages"
    ]
    assert messages["per_channel"]["webchat"] == {
        "inbound": 1,
        "conversations": 1,
        "replies_bot": 1,
        "replies_agent": 1,
        "failed": 0,
    }
    assert messages["per_channel"]["twitter"]["inbound"] == 2
    assert messages["per_channel"]["telegram"]["failed"] == 1
    assert messages["x_mentions"] == {
        "received": 2,
        "answered_by_bot": 1,
        "answered_by_agent": 0,
        "unanswered": 1,
    }
    assert messages["first_response_seconds"]["bot"] == {"n": 2, "median": 31.0, "p90": 60.0}
    assert messages["first_response_seconds"]["agent"]["median"] == 600.0
    assert messages["first_response_histogram"]["bot"]["< 10 dtk"] == 1  # webchat, 2 s
    assert messages["first_response_histogram"]["bot"]["1-5 mnt"] == 1  # the tweet, 60 s
    assert messages["first_response_histogram"]["agent"]["5-30 mnt"] == 1
    assert messages["daily_inbound"] == {"2026-09-02": {"webchat": 1, "twitter": 2, "telegram": 1}}


def test_spread_and_period():
    assert spread([]) == {"n": 0, "median": None, "p90": None}
    assert spread([float(v) for v in range(1, 11)]) == {"n": 10, "median": 5.5, "p90": 9.0}
    with pytest.raises(ValueError):
        Period(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_cli_formats(world, database_url, tmp_path, monkeypatch, capsys):
    from bot.cli import main

    ledger, _, _, clock = world
    clock.at(2026, 9, 1, 9, 0)
    ledger.file(complaint("u1", "unggah_dokumen", "upload ijazah gagal"))
    monkeypatch.setenv("SSCN_DATABASE_URL", database_url)
    monkeypatch.setenv("SSCN_LEDGER_KEY", Fernet.generate_key().decode())
    args = ["report", "--from", "2026-09-01", "--to", "2026-09-30"]
    assert main([*args, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "section,metric,value"
    assert (
        "cases,lapor_status.total,1" in lines
        and "cases,by_lapor_type.rekrutmen_cpns.count,1" in lines
    )
    assert main([*args, "--format", "json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"period", "channel", "messages", "knowledge_base", "cases"}
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "report.txt").read_text()
    assert "Status aduan (SP4N-LAPOR!): total 1" in text
    with pytest.raises(SystemExit):
        main(["report", "--from", "kemarin", "--to", "2026-09-30"])
    assert main(["report", "--from", "2026-09-30", "--to", "2026-09-01"]) == 2


def test_unsure_unhelpful_and_season_answers_are_counted(world):
    from sqlalchemy import update

    from bot.ledger.lookups import record_feedback, record_lookup
    from bot.ledger.models import KbLookup

    ledger, log, sessions, clock = world
    for faq_id, text, outcome, conversation in [
        ("lupa_password", "lupa pw", "answered", "webchat:1"),
        ("batas_usia", "umur maks pppk", "low_confidence", "webchat:2"),
        (None, "tes kesehatan", "low_confidence", "webchat:3"),  # entries offered
        (None, "kapan cpns 2027 dibuka", "answered", "webchat:4"),  # the season file
        (None, "resep rendang", "unanswered", "webchat:5"),
    ]:
        record_lookup(
            sessions, "webchat", faq_id, text, conversation_id=conversation, outcome=outcome
        )
    record_feedback(sessions, "webchat:2", helpful=False)
    with sessions() as session, session.begin():  # a question erased for privacy
        session.execute(update(KbLookup).where(KbLookup.text == "resep rendang").values(text=None))
    today = dt.datetime.now(WIB).date()
    kb = build_report(ledger, sessions, Period(today, today))["knowledge_base"]
    assert (kb["lookups"], kb["answered"], kb["unanswered"]) == (5, 3, 2)
    assert (kb["low_confidence"], kb["unhelpful"]) == (2, 1)
    assert sum(c["size"] for c in kb["unanswered_clusters"]) == 1  # the erased text is gone
    text = as_text(build_report(ledger, sessions, Period(today, today)))
    assert "2 dijawab atau diberi pilihan dengan kurang yakin, 1 jawaban dinilai tidak" in text


def test_faq_use_unanswered_clusters_and_containment(world):
    from bot.ledger.lookups import record_lookup

    ledger, log, sessions, clock = world
    for faq_id, text in [
        ("lupa_password", "lupa pw"),
        ("lupa_password", "reset sandi"),
        ("batas_usia", "umur maks"),
        (None, "paket c boleh daftar stan?"),
        (None, "ijazah paket c diterima?"),
        (None, "tinggi badan minimal ipdn"),
    ]:
        record_lookup(sessions, "webchat", faq_id, text)
    today = dt.datetime.now(WIB).date()
    clock.now = dt.datetime.now(dt.timezone.utc)
    for user in ("a", "b", "c", "d"):
        log.receive("webchat", user, None, "halo")
    ledger.file(complaint("a", "unggah_dokumen", "upload ijazah gagal"))
    report = build_report(ledger, sessions, Period(today, today))
    kb = report["knowledge_base"]
    assert (kb["lookups"], kb["answered"], kb["unanswered"]) == (6, 3, 3)
    assert kb["top_entries"][0] == {"id": "lupa_password", "count": 2}
    assert sum(c["size"] for c in kb["unanswered_clusters"]) == 3
    assert report["messages"]["containment"] == {
        "conversations": 4,
        "escalated": 1,
        "containment": 0.75,
    }


def test_cluster_examples_are_distinct():
    from bot.reports.clusters import cluster_questions

    clusters = cluster_questions({"paket c boleh?": 6, "ijazah paket c diterima?": 3})
    assert sum(c["size"] for c in clusters) == 9
    for cluster in clusters:
        assert len(cluster["examples"]) == len(set(cluster["examples"]))


def test_rtl_is_the_mean_follow_up_time_in_days(world):
    ledger, _, sessions, clock = world
    for number, days in enumerate((1, 2, 6, None)):
        clock.at(2026, 11, 2, 9, 0)
        ticket = ledger.file(complaint(f"u{number}", "akun_nik", "nik ditolak")).case.ticket
        if days is not None:
            clock.at(2026, 11, 2 + days, 9, 0)
            ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
            ledger.set_status(ticket, Status.DALAM_PROSES, "ani")
    report = build_report(ledger, sessions, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert report["cases"]["rtl_days"] == pytest.approx(3.0)  # (1 + 2 + 6) / 3; open one left out
    none_followed = build_report(
        ledger, sessions, Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    )
    assert none_followed["cases"]["rtl_days"] is None


def test_clock_figures_count_what_fell_due_in_the_period(world):
    ledger, _, sessions, clock = world
    clock.at(2026, 9, 1, 9, 0)  # Tuesday
    late = ledger.file(complaint("u1", "akun_nik", "nik ditolak")).case
    on_time = ledger.file(complaint("u2", "akun_nik", "nik salah")).case
    ledger.file(complaint("u3", "akun_nik", "nik hilang"))  # never verified
    clock.at(2026, 9, 2, 10, 0)
    ledger.set_status(on_time.ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    clock.now = late.verification_due_at + dt.timedelta(hours=20)
    ledger.set_status(late.ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    report = build_report(ledger, sessions, Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)))
    clocks = report["cases"]["clocks"]
    assert clocks["verification"] == {
        "due": 3,
        "on_time": 1,
        "breached": 2,
        "open": 1,
        "overdue": 1,
    }
    assert clocks["followup"]["due"] == 0
    assert clocks["sla"] == {"due": 3, "on_time": 0, "breached": 0, "open": 3, "overdue": 0}
    earlier = build_report(ledger, sessions, Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31)))
    assert earlier["cases"]["clocks"]["verification"]["due"] == 0
