"""Clocks stored on the case as events happen, and marking duplicates."""

from __future__ import annotations

import datetime as dt

from bot.ledger.clocks import LATE, ON_TIME, WAITING, replay
from bot.ledger.db import make_sessionmaker
from bot.ledger.lifecycle import Status
from bot.ledger.models import Unit
from bot.vocabulary import CaseEventType
from tests.bot.ledger.test_service import complaint

DAY = dt.timedelta(days=1)


def test_filing_stores_the_sla_and_verification_due_times(ledger):
    case = ledger.file(complaint()).case
    calendar = ledger.calendar
    assert case.sla_due_at == calendar.add_working_days(case.received_at, 12)
    assert case.verification_due_at == calendar.add_working_days(case.received_at, 3)
    clocks = ledger.clocks(case)
    assert (clocks.sla.state, clocks.verification.state, clocks.followup) == (
        WAITING,
        WAITING,
        None,
    )
    assert ledger.sla_due(case) == case.sla_due_at and not ledger.is_breached(case)


def test_verification_met_late_and_the_sla_on_time(ledger, clock):
    ticket = ledger.file(complaint()).case.ticket
    clock.now = ledger.get(ticket).verification_due_at + dt.timedelta(hours=1)
    case = ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    assert case.verified_at == clock.now
    clock.now += DAY
    case = ledger.set_status(ticket, Status.SELESAI, "ani")
    clocks = ledger.clocks(case)
    assert (clocks.verification.state, clocks.verification.breached) == (LATE, True)
    assert (clocks.sla.met_at, clocks.sla.state) == (clock.now, ON_TIME)
    assert case.verified_at < case.resolved_at  # the second change leaves verified_at


def test_an_open_case_past_its_due_time_is_breached(ledger, clock):
    case = ledger.file(complaint()).case
    clock.now = case.sla_due_at + dt.timedelta(minutes=1)
    clocks = ledger.clocks(ledger.get(case.ticket))
    assert clocks.sla.state == clocks.verification.state == LATE
    assert ledger.is_breached(case) and ledger.open_count(breached=True) == 1


def test_forwarding_starts_the_followup_clock_and_a_reforward_restarts_it(ledger, clock, engine):
    with make_sessionmaker(engine)() as session, session.begin():
        session.add(Unit(code="BIRO_HUMAS", name="Biro Humas"))
    ticket = ledger.file(complaint()).case.ticket
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    clock.now += dt.timedelta(hours=1)
    case = ledger.assign(ticket, "DIT_PENGADAAN", "ani")
    first = clock.now
    assert case.forwarded_at == first and case.followed_up_at is None
    assert case.followup_due_at == ledger.calendar.add_working_days(first, 5)
    assert ledger.clocks(case).followup.state == WAITING
    clock.now += dt.timedelta(hours=1)
    ledger.record(ticket, "agent:ani", CaseEventType.AGENT_REPLY, new="sedang dicek")
    case = ledger.get(ticket)
    assert case.followed_up_at == clock.now and ledger.clocks(case).followup.state == ON_TIME
    clock.now += dt.timedelta(hours=1)
    case = ledger.assign(ticket, "DIT_PENGADAAN", "ani")  # the same unit: no restart
    assert case.forwarded_at == first and case.followed_up_at is not None
    clock.now += DAY
    case = ledger.assign(ticket, "BIRO_HUMAS", "ani")
    assert (case.forwarded_at, case.followed_up_at) == (clock.now, None)
    clock.now = case.followup_due_at + DAY
    case = ledger.set_status(ticket, Status.DALAM_PROSES, "budi")
    assert case.followed_up_at == clock.now and ledger.clocks(case).followup.state == LATE


def test_replay_of_the_events_gives_the_stored_clocks(ledger, clock):
    ticket = ledger.file(complaint()).case.ticket
    clock.now += dt.timedelta(hours=2)
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    ledger.assign(ticket, "DIT_PENGADAAN", "ani")
    clock.now += DAY
    ledger.record(ticket, "agent:ani", CaseEventType.AGENT_REPLY, new="ok")
    clock.now += DAY
    ledger.set_status(ticket, Status.SELESAI, "ani")
    case = ledger.get(ticket)
    times = replay(case.received_at, case.events, ledger.calendar)
    for name, value in vars(times).items():
        assert getattr(case, name) == value, name
