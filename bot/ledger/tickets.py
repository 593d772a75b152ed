"""Ticket numbers ``SSCN-YYYY-NNNNN``: sequential per year, no duplicates, no gaps.

The counter row is incremented inside the transaction that files the case, so
the row lock serialises concurrent filings and a rolled-back filing gives its
number back.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.models import TicketCounter

TICKET_PATTERN = re.compile(r"^SSCN-(\d{4})-(\d{5})$", re.IGNORECASE)


def format_ticket(year: int, number: int) -> str:
    return f"SSCN-{year:04d}-{number:05d}"


def parse_ticket(text: str) -> tuple[int, int] | None:
    """``(year, number)`` of a well-formed ticket number, else None."""
    match = TICKET_PATTERN.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def allocate_number(session: Session, year: int) -> int:
    """Take the next number of ``year`` in the caller's transaction."""
    increment = (
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last_number=TicketCounter.last_number + 1)
    )
    if session.execute(increment).rowcount == 0:
        try:
            with session.begin_nested():
                session.add(TicketCounter(year=year, last_number=0))
        except IntegrityError:
            pass  # another transaction created the year's counter first
        session.execute(increment)
    return session.execute(
        select(TicketCounter.last_number).where(TicketCounter.year == year)
    ).scalar_one()
