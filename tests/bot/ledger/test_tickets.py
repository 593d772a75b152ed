"""Ticket numbers are sequential per year, without duplicates or gaps, under concurrency."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.ledger.db import make_sessionmaker
from bot.ledger.models import Case
from bot.ledger.tickets import allocate_number, format_ticket, parse_ticket

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)


def file_case(sessions, year: int, user: str, fail: bool = False) -> str:
    with sessions() as session, session.begin():
        number = allocate_number(session, year)
        ticket = format_ticket(year, number)
        session.add(
            Case(
                ticket=ticket,
                year=year,
                number=number,
                channel="rest",
                channel_user=user,
                conversation_id=user,
                kind="complaint",
                status="belum_diverifikasi",
                summary="upload gagal",
                received_at=NOW,
                updated_at=NOW,
            )
        )
        if fail:
            raise RuntimeError("filing failed after the number was taken")
    return ticket


def test_format_and_parse():
    assert format_ticket(2026, 42) == "SSCN-2026-00042"
    assert parse_ticket(" sscn-2026-00042 ") == (2026, 42)
    assert parse_ticket("SSCN-26-42") is None


def test_numbers_restart_each_year_and_a_failed_filing_leaves_no_gap(engine):
    sessions = make_sessionmaker(engine)
    assert file_case(sessions, 2026, "a") == "SSCN-2026-00001"
    assert file_case(sessions, 2026, "b") == "SSCN-2026-00002"
    with pytest.raises(RuntimeError):
        file_case(sessions, 2026, "c", fail=True)
    assert file_case(sessions, 2026, "d") == "SSCN-2026-00003"
    assert file_case(sessions, 2027, "e") == "SSCN-2027-00001"


def test_parallel_filings_get_distinct_consecutive_numbers(engine):
    sessions = make_sessionmaker(engine)
    workers = 50 if engine.dialect.name == "postgresql" else 10
    with ThreadPoolExecutor(workers) as pool:
        tickets = list(pool.map(lambda i: file_case(sessions, 2026, f"user{i}"), range(50)))
    assert sorted(tickets) == [format_ticket(2026, n) for n in range(1, 51)]
    with sessions() as session:
        assert len(session.execute(select(Case.ticket)).scalars().all()) == 50
