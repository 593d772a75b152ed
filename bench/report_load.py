"""A ledger of 100,000 cases for timing ``sscn report`` (used by bench/run.py).

Writing 100,000 cases one by one through the ledger takes hours, so a small
season is first written through the real ledger code (``sscn demo-data``'s
generator) and then copied, rows and relations intact, until the ledger holds
the number of cases asked for. Copies keep the season's dates, so the whole
load falls in one report period. The message log and the knowledge-base
lookups are copied a limited number of times; the bench prints every table's
size next to the time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Engine

from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import MessageLog
from bot.ledger.migrate import upgrade
from bot.ledger.models import Case, CaseEvent, KbLookup, Message
from bot.ledger.service import Ledger
from bot.ledger.tickets import format_ticket
from bot.reports.demo import Clock, generate

BATCH = 20_000
TICKETS_PER_YEAR = 99_999  # the ticket number has five digits


def write_template(directory: Path, days: int, scale: float) -> Engine:
    """A small season written through the real ledger, in a SQLite file."""
    url = f"sqlite:///{directory / 'template.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = Clock()
    cipher = FieldCipher(Fernet.generate_key())
    generate(
        Ledger(sessions, cipher, clock=clock),
        MessageLog(sessions, clock=clock),
        clock,
        days=days,
        scale=scale,
    )
    return engine


def _rows(connection: Connection, table: Table) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(select(table).order_by(table.c.id))]


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _numbered(cases: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Fresh ticket numbers for copied cases, spilling into later years past 99,999."""
    for serial, row in enumerate(cases):
        spill, number = divmod(serial, TICKETS_PER_YEAR)
        year = row["year"] + spill
        yield {**row, "year": year, "number": number + 1, "ticket": format_ticket(year, number + 1)}


def _copies(
    rows: list[dict[str, Any]], copies: int, shift: dict[str, int], suffix: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    """``copies`` copies of ``rows``: ids shifted by a step per copy, names suffixed."""
    for copy in range(copies):
        for row in rows:
            copied = dict(row)
            for column, step in shift.items():
                if copied[column] is not None:
                    copied[column] += copy * step
            for column in suffix:
                if copied[column] is not None:
                    copied[column] = f"{copied[column]}-{copy}"
            yield copied


def fill(target: Engine, template: Engine, cases: int, message_copies: int) -> dict[str, int]:
    """Copy the template into ``target`` (already migrated) until it holds ``cases`` cases.

    Returns the row count of each table written."""
    with template.connect() as source:
        case_rows = _rows(source, Case.__table__)
        event_rows = _rows(source, CaseEvent.__table__)
        message_rows = _rows(source, Message.__table__)
        lookup_rows = _rows(source, KbLookup.__table__)
    copies = math.ceil(cases / len(case_rows))
    case_step = max(row["id"] for row in case_rows)
    copied_cases = _copies(
        case_rows,
        copies,
        {"id": case_step},
        ("channel_user", "conversation_id", "intake_key"),
    )
    written: set[int] = set()
    with target.begin() as connection:
        for batch in _batches(_numbered(itertools.islice(copied_cases, cases))):
            connection.execute(Case.__table__.insert(), batch)
            written.update(row["id"] for row in batch)
        event_step = max(row["id"] for row in event_rows)
        events = (
            row
            for row in _copies(event_rows, copies, {"id": event_step, "case_id": case_step}, ())
            if row["case_id"] in written
        )
        for batch in _batches(events):
            connection.execute(CaseEvent.__table__.insert(), batch)
        message_step = max(row["id"] for row in message_rows)
        for batch in _batches(
            _copies(
                message_rows,
                message_copies,
                {"id": message_step, "reply_to_id": message_step},
                ("conversation_id", "external_id"),
            )
        ):
            connection.execute(Message.__table__.insert(), batch)
        lookup_step = max(row["id"] for row in lookup_rows)
        for batch in _batches(_copies(lookup_rows, message_copies, {"id": lookup_step}, ())):
            connection.execute(KbLookup.__table__.insert(), batch)
        tables = (Case.__table__, CaseEvent.__table__, Message.__table__, KbLookup.__table__)
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables
        }
