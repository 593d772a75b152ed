"""The agents' queue: one page of cases, filtered, searched and ordered by SLA due time.

Built for a team of 20 agents over a season (100,000 cases): rows are plain
columns (no events loaded), ordered by the indexed ``(sla_due_at, id)``, and
every clock comes from the columns stored on the case (bot/ledger/clocks.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql import ColumnElement, Select

from bot.ledger.clocks import CaseClocks, case_clocks
from bot.ledger.lifecycle import CLOSED, STATUS_LABELS, Status
from bot.ledger.models import Case, Unit
from bot.ledger.tickets import format_ticket, parse_ticket

PAGE_SIZE = 50
COUNT_CAP = 1000  # a name or text search counts its matches up to this many
OPEN = "open"  # QueueFilter.status: every status not closed yet
ANYONE, MINE, UNASSIGNED = "anyone", "mine", "unassigned"
# "00042", "2026-00042", "sscn-2026-00042": a ticket without all of its prefix.
SHORT_TICKET = re.compile(r"^(?:(?:sscn-)?(\d{4})-)?(\d{1,5})$", re.IGNORECASE)


@dataclass(frozen=True)
class QueueFilter:
    """What the agent narrowed the queue to; every field optional."""

    status: str | None = None  # one status, or OPEN
    topic: str | None = None
    channel: str | None = None
    unit: str | None = None  # unit code
    assignee: str = ANYONE  # ANYONE, MINE or UNASSIGNED
    breached: bool = False  # past the SLA due time (open, or closed late)
    search: str = ""  # a ticket (see ticket_candidates), else part of the applicant's name
    text: str = ""  # part of the summary or the description


@dataclass(frozen=True)
class QueueRow:
    """What the queue shows of one case."""

    ticket: str
    status: str
    status_label: str
    channel: str
    kind: str
    display_name: str | None
    topic: str | None
    unit: str | None
    assigned_agent_id: int | None
    received_at: dt.datetime
    updated_at: dt.datetime
    taken_over_by: str | None
    summary: str
    clocks: CaseClocks


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int  # cases matching the filter, on every page
    page: int  # 1-based
    page_size: int
    capped: bool = False  # a search with more than COUNT_CAP matches: total is the cap

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


COLUMNS = (
    Case.ticket,
    Case.status,
    Case.channel,
    Case.kind,
    Case.display_name,
    Case.sscn_topic,
    Unit.code,
    Case.assigned_agent_id,
    Case.received_at,
    Case.updated_at,
    Case.taken_over_by,
    Case.summary,
    Case.sla_due_at,
    Case.resolved_at,
    Case.verification_due_at,
    Case.verified_at,
    Case.followup_due_at,
    Case.followed_up_at,
)


def breached_condition(now: dt.datetime) -> ColumnElement:
    """SQL for "past the SLA due time": open after it, or resolved after it."""
    return or_(
        (Case.resolved_at.is_(None)) & (Case.sla_due_at < now),
        Case.resolved_at > Case.sla_due_at,
    )


def ticket_candidates(text: str, year: int) -> list[str]:
    """The tickets a search may mean: the full form, or the number alone (this year's
    and last year's) with or without ``YYYY-``; empty when it is no ticket."""
    text = text.strip()
    if parse_ticket(text):
        return [text.upper()]
    match = SHORT_TICKET.match(text)
    if not match or int(match.group(2)) == 0:
        return []
    number = int(match.group(2))
    years = [int(match.group(1))] if match.group(1) else [year, year - 1]
    return [format_ticket(y, number) for y in years]


def _filtered(
    query: Select, wanted: QueueFilter, agent_id: int | None, now: dt.datetime, sqlite: bool
) -> Select:
    if wanted.status == OPEN:
        query = query.where(Case.status.not_in([status.value for status in CLOSED]))
    elif wanted.status:
        query = query.where(Case.status == wanted.status)
    if wanted.topic:
        query = query.where(Case.sscn_topic == wanted.topic)
    if wanted.channel:
        query = query.where(Case.channel == wanted.channel)
    if wanted.unit:
        query = query.where(Unit.code == wanted.unit)
    if wanted.assignee == MINE:
        query = query.where(Case.assigned_agent_id == agent_id)
    elif wanted.assignee == UNASSIGNED:
        query = query.where(Case.assigned_agent_id.is_(None))
    if wanted.breached:
        query = query.where(breached_condition(now))
    search = wanted.search.strip()
    if search:
        tickets = ticket_candidates(search, now.year)
        if tickets:
            query = query.where(Case.ticket.in_(tickets))
        else:
            query = query.where(_contains(Case.display_name, search, sqlite))
    text = wanted.text.strip()
    if text:
        query = query.where(
            or_(_contains(Case.summary, text, sqlite), _contains(Case.description, text, sqlite))
        )
    return query


def _contains(column, text: str, sqlite: bool) -> ColumnElement:
    """Case-insensitive substring. SQLite's LIKE already ignores (ASCII) case, as its
    lower() does, so the column is not lowered there; PostgreSQL: lower() LIKE (faster
    than ILIKE)."""
    pattern = f"%{_escaped(text.lower())}%"
    return (column if sqlite else func.lower(column)).like(pattern, escape="\\")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def queue_page(
    sessions: sessionmaker,
    wanted: QueueFilter,
    now: dt.datetime,
    agent_id: int | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """Page ``page`` (1-based; past the end: the last page) of the cases ``wanted``
    matches, earliest SLA due first; ``agent_id`` is who "mine" means."""
    base = select(*COLUMNS).outerjoin(Unit, Unit.id == Case.unit_id)
    with sessions() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        if _scans_text(wanted, now.year):
            # A substring needs a scan. One pass takes the first COUNT_CAP + 1 matches
            # in due-time order (SQLite walks the index and stops; PostgreSQL keeps a
            # top-N while it scans): the count ("1.000+" beyond) and the page from it.
            matching = _filtered(_with_unit(select(Case.id), wanted), wanted, agent_id, now, sqlite)
            ids = list(
                session.execute(
                    matching.order_by(Case.sla_due_at, Case.id).limit(COUNT_CAP + 1)
                ).scalars()
            )
            capped, ids = len(ids) > COUNT_CAP, ids[:COUNT_CAP]
            total = len(ids)
            page = _clamped(page, total, page_size)
            wanted_ids = ids[(page - 1) * page_size : page * page_size]
            found = {
                row.id: row
                for row in session.execute(
                    base.add_columns(Case.id).where(Case.id.in_(wanted_ids))
                ).all()
            }
            rows = [found[case_id] for case_id in wanted_ids]
            return QueuePage([_row(row, now) for row in rows], total, page, page_size, capped)
        counted = _with_unit(select(func.count()).select_from(Case), wanted)
        total = session.execute(_filtered(counted, wanted, agent_id, now, sqlite)).scalar_one()
        page = _clamped(page, total, page_size)
        query = _filtered(base, wanted, agent_id, now, sqlite)
        first = (page - 1) * page_size
        size = min(page_size, total - first)
        if first <= total // 2:
            ordered = query.order_by(Case.sla_due_at, Case.id).offset(first)
            rows = session.execute(ordered.limit(page_size)).all()
        else:  # the back half from its end: a short offset, as fast as the first pages
            backwards = query.order_by(Case.sla_due_at.desc(), Case.id.desc())
            rows = session.execute(backwards.offset(total - first - size).limit(size)).all()
            rows.reverse()
    return QueuePage([_row(row, now) for row in rows], total, page, page_size)


def _with_unit(query: Select, wanted: QueueFilter) -> Select:
    """``query`` joined to the units when the filter names one."""
    return query.join(Unit, Unit.id == Case.unit_id) if wanted.unit else query


def _clamped(page: int, total: int, page_size: int) -> int:
    return min(max(1, page), max(1, math.ceil(total / page_size)))


def _scans_text(wanted: QueueFilter, year: int) -> bool:
    """Whether ``wanted`` searches a name or a text (not a ticket)."""
    search = wanted.search.strip()
    return bool(wanted.text.strip() or (search and not ticket_candidates(search, year)))


def _row(row, now: dt.datetime) -> QueueRow:
    return QueueRow(
        ticket=row.ticket,
        status=row.status,
        status_label=STATUS_LABELS[Status(row.status)],
        channel=row.channel,
        kind=row.kind,
        display_name=row.display_name,
        topic=row.sscn_topic,
        unit=row.code,
        assigned_agent_id=row.assigned_agent_id,
        received_at=row.received_at,
        updated_at=row.updated_at,
        taken_over_by=row.taken_over_by,
        summary=row.summary,
        clocks=case_clocks(row, now),
    )
