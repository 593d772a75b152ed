"""Filing, duplicates, ownership, status changes and their events."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.ledger.lifecycle import IllegalTransition, Status
from bot.ledger.service import NewCase, UnknownCase

NIK = "3201234567890123"


def complaint(user: str = "tg:1", summary: str = "upload ijazah gagal terus") -> NewCase:
    return NewCase(
        channel="telegram",
        channel_user=user,
        conversation_id=user,
        kind="complaint",
        summary=summary,
        sscn_topic="unggah_dokumen",
        nik=NIK,
    )


def test_filing_gives_a_ticket_a_lapor_type_a_due_date_and_an_event(ledger):
    filed = ledger.file(complaint())
    case = ledger.get(filed.case.ticket)
    assert filed.created and case.ticket == "SSCN-2026-00001"
    assert (case.status, case.lapor_type) == ("belum_diverifikasi", "rekrutmen_cpns")
    assert ledger.sla_due(case).date() == dt.date(2027, 1, 13)
    assert [(e.type, e.actor, e.new) for e in case.events] == [
        ("created", "bot", "belum_diverifikasi")
    ]
    assert NIK not in (case.nik_encrypted or "")


def test_same_complaint_within_ten_minutes_returns_the_existing_ticket(ledger, clock):
    first = ledger.file(complaint()).case.ticket
    clock.now += dt.timedelta(minutes=9)
    again = ledger.file(complaint(summary="Upload ijazah GAGAL terus!!"))
    assert (again.case.ticket, again.created) == (first, False)
    assert ledger.file(complaint(user="tg:2")).case.ticket != first  # another applicant
    clock.now += dt.timedelta(minutes=2)
    assert ledger.file(complaint()).case.ticket != first  # window passed


def test_only_the_filer_sees_a_case(ledger):
    ticket = ledger.file(complaint()).case.ticket
    assert ledger.get_for_user(ticket, "telegram", "tg:1").ticket == ticket
    for channel, user in (("telegram", "tg:2"), ("webchat", "tg:1")):
        with pytest.raises(UnknownCase):
            ledger.get_for_user(ticket, channel, user)
    with pytest.raises(UnknownCase):
        ledger.get_for_user("SSCN-2026-99999", "telegram", "tg:1")
    assert ledger.latest_for_user("telegram", "tg:1").ticket == ticket
    assert ledger.latest_for_user("telegram", "nobody") is None


def test_status_changes_are_checked_and_recorded(ledger, clock):
    ticket = ledger.file(complaint()).case.ticket
    with pytest.raises(IllegalTransition):
        ledger.set_status(ticket, Status.SELESAI, actor="agen.budi")
    clock.now += dt.timedelta(hours=1)
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, actor="agen.budi")
    case = ledger.assign(ticket, "DIT_PENGADAAN", actor="agen.budi")
    assert case.unit.code == "DIT_PENGADAAN"
    with pytest.raises(ValueError, match="tidak dikenal atau nonaktif"):
        ledger.assign(ticket, "NOPE", actor="agen.budi")
    case = ledger.set_status(ticket, Status.DALAM_PROSES, actor="agen.budi")
    assert [(e.type, e.old, e.new) for e in case.events] == [
        ("created", None, "belum_diverifikasi"),
        ("status", "belum_diverifikasi", "belum_ditindaklanjuti"),
        ("assigned", None, "DIT_PENGADAAN"),
        ("status", "belum_ditindaklanjuti", "dalam_proses"),
    ]
    assert case.events[1].at == clock.now


def test_bad_input_is_refused(ledger):
    with pytest.raises(ValueError, match="unknown case kind"):
        ledger.file(NewCase("webchat", "u", "u", kind="pujian", summary="x"))
    with pytest.raises(ValueError, match="unknown sscn_topic"):
        ledger.file(NewCase("webchat", "u", "u", kind="complaint", summary="x", sscn_topic="z"))
    with pytest.raises(UnknownCase):
        ledger.get("bukan tiket")


def test_breach_of_a_closed_case_depends_on_when_it_was_resolved(ledger, clock):
    ticket = ledger.file(complaint()).case.ticket
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, actor="agen")
    ledger.set_status(ticket, Status.SELESAI, actor="agen")
    clock.now += dt.timedelta(days=60)  # far past the SLA due date
    case = ledger.assign(ticket, "DIT_PENGADAAN", actor="agen")  # a later change
    assert case.updated_at == clock.now
    assert not ledger.is_breached(case)
    assert ledger.list_cases(breached=True) == []
    open_ticket = ledger.file(complaint(user="tg:9")).case.ticket
    clock.now += dt.timedelta(days=60)
    assert [c.ticket for c in ledger.list_cases(breached=True)] == [open_ticket]
