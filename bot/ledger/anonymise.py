"""Anonymise ledger rows: what retention purges and what an erasure request removes.

Each function takes the rows a condition selects and, in transactions of at most
``batch`` rows, replaces the applicant's data while keeping what the reports count
(docs/METRICS.md): channels, directions, statuses, kinds, topics, times, ratings,
event types and FAQ ids stay; texts become ``MARKER`` or NULL, names, NIK, contacts
and registration numbers NULL, conversation ids their keyed pseudonym
(bot/pseudonyms.py), the same in every table. A row already anonymised is never
selected again, so a run cut short is finished by the next one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, literal, null, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql import ColumnElement

from bot.desk_deliveries import FAILED, PENDING, SENDING
from bot.ledger.models import Case, CaseEvent, Delivery, KbLookup, Message
from bot.pseudonyms import PSEUDONYM_LIKE, Pseudonyms
from bot.vocabulary import CaseEventType as Event

MARKER = "[dihapus]"
ERASURE_NOTE = "data pemohon dihapus atas permintaan"
CANCELLED = "dibatalkan: data pemohon dihapus"
BATCH = 1000
CASE_BATCH = 200
# History events whose old/new values are statuses, unit codes, agent ids, ratings or
# tickets (what the timing metrics read); every other event's values are cleared.
KEPT_EVENTS = frozenset(
    {
        Event.CREATED,
        Event.STATUS,
        Event.ASSIGNED,
        Event.ASSIGNED_AGENT,
        Event.TAKEN_OVER,
        Event.HANDED_BACK,
        Event.RATED,
        Event.NIK_REVEALED,
        Event.CONTACT_REVEALED,
        Event.DUPLICATE_OF,
        Event.MERGED,
    }
)
_SETTLED = (MARKER, ERASURE_NOTE)


def _batches(sessions: sessionmaker, model, condition: ColumnElement, apply, batch: int) -> int:
    """Call ``apply(session, rows)`` on the (id, conversation_id) rows ``condition``
    selects, ``batch`` at a time, each batch committed; how many rows."""
    last, total = 0, 0
    while True:
        with sessions() as session, session.begin():
            rows = session.execute(
                select(model.id, model.conversation_id)
                .where(condition, model.id > last)
                .order_by(model.id)
                .limit(batch)
            ).all()
            if rows:
                apply(session, rows)
        total += len(rows)
        if len(rows) < batch:
            return total
        last = rows[-1].id


def _pseudonymised(column, rows, pseudonyms: Pseudonyms) -> ColumnElement:
    """``column`` mapped to the pseudonyms of the rows' conversations (one statement
    per batch); NULL stays NULL."""
    conversations = {row.conversation_id for row in rows} - {None}
    mapping = {conversation: pseudonyms.of(conversation) for conversation in conversations}
    return sql_case(mapping, value=column, else_=column) if mapping else column


def _count(sessions: sessionmaker, model, condition: ColumnElement) -> int:
    with sessions() as session:
        return session.execute(select(func.count(model.id)).where(condition)).scalar_one()


def messages(
    sessions: sessionmaker,
    pseudonyms: Pseudonyms,
    condition: ColumnElement,
    dry_run: bool = False,
    batch: int = BATCH,
) -> int:
    """Message log rows: text -> MARKER, note and platform id NULL, conversation pseudonymised."""
    condition = and_(condition, Message.conversation_id.not_like(PSEUDONYM_LIKE))
    if dry_run:
        return _count(sessions, Message, condition)

    def apply(session, rows) -> None:
        session.execute(
            update(Message)
            .where(Message.id.in_([row.id for row in rows]))
            .values(
                text=MARKER,
                note=None,
                external_id=None,
                conversation_id=_pseudonymised(Message.conversation_id, rows, pseudonyms),
            )
            .execution_options(synchronize_session=False)
        )

    return _batches(sessions, Message, condition, apply, batch)


def lookups(
    sessions: sessionmaker,
    pseudonyms: Pseudonyms,
    condition: ColumnElement,
    dry_run: bool = False,
    batch: int = BATCH,
) -> int:
    """Knowledge-base lookups: question NULL, conversation pseudonymised (FAQ id,
    outcome, confidence, feedback, channel and time stay for the reports)."""
    not_done = or_(
        KbLookup.text.is_not(None),
        and_(
            KbLookup.conversation_id.is_not(None),
            KbLookup.conversation_id.not_like(PSEUDONYM_LIKE),
        ),
    )
    condition = and_(condition, not_done)
    if dry_run:
        return _count(sessions, KbLookup, condition)

    def apply(session, rows) -> None:
        session.execute(
            update(KbLookup)
            .where(KbLookup.id.in_([row.id for row in rows]))
            .values(
                text=None,
                conversation_id=_pseudonymised(KbLookup.conversation_id, rows, pseudonyms),
            )
            .execution_options(synchronize_session=False)
        )

    return _batches(sessions, KbLookup, condition, apply, batch)


def cases(
    sessions: sessionmaker,
    pseudonyms: Pseudonyms,
    condition: ColumnElement,
    dry_run: bool = False,
    note: tuple[str, dt.datetime] | None = None,
    batch: int = CASE_BATCH,
) -> dict[str, int]:
    """Cases with their history and deliveries: summary MARKER; description, name, NIK,
    contacts, registration number and status reason NULL; conversation and user
    pseudonymised; texts of replies, notes and reasons MARKER; delivery texts NULL and
    what was still to be sent cancelled. ``note=(actor, at)`` adds the history line
    ``ERASURE_NOTE``. Counts per table."""
    condition = and_(condition, Case.conversation_id.not_like(PSEUDONYM_LIKE))
    counts = {"cases": 0, "case_events": 0, "deliveries": 0}
    if dry_run:
        chosen = select(Case.id).where(condition).scalar_subquery()
        counts["cases"] = _count(sessions, Case, condition)
        counts["case_events"] = _count(
            sessions, CaseEvent, and_(CaseEvent.case_id.in_(chosen), _event_texts())
        )
        counts["deliveries"] = _count(sessions, Delivery, Delivery.case_id.in_(chosen))
        return counts
    last = 0
    while True:
        with sessions() as session, session.begin():
            found = list(
                session.execute(
                    select(Case)
                    .where(condition, Case.id > last)
                    .order_by(Case.id)
                    .limit(batch)
                    .with_for_update()
                ).scalars()
            )
            for case in found:
                for table, rows in _anonymise_case(session, pseudonyms, case, note).items():
                    counts[table] += rows
        counts["cases"] += len(found)
        if len(found) < batch:
            return counts
        last = found[-1].id


def _cleared(column) -> ColumnElement:
    return sql_case(
        (column.is_(None), null()), (column.in_(_SETTLED), column), else_=literal(MARKER)
    )


def _event_texts() -> ColumnElement:
    """History events holding a text that is not cleared yet."""
    return and_(
        CaseEvent.type.not_in([e.value for e in KEPT_EVENTS]),
        or_(
            and_(CaseEvent.old.is_not(None), CaseEvent.old.not_in(_SETTLED)),
            and_(CaseEvent.new.is_not(None), CaseEvent.new.not_in(_SETTLED)),
        ),
    )


def _anonymise_case(session, pseudonyms: Pseudonyms, case: Case, note) -> dict[str, int]:
    conversation = pseudonyms.of(case.conversation_id)
    case.summary = MARKER
    case.description = case.display_name = case.status_reason = None
    case.nik_encrypted = case.contact_encrypted = case.registration_number = None
    case.channel_user = pseudonyms.of(case.channel_user)
    case.conversation_id = conversation
    events = session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id == case.id, _event_texts())
        .values(old=_cleared(CaseEvent.old), new=_cleared(CaseEvent.new))
        .execution_options(synchronize_session=False)
    ).rowcount
    owed = Delivery.state.in_((PENDING, SENDING))
    deliveries = session.execute(
        update(Delivery)
        .where(Delivery.case_id == case.id)
        .values(
            text=None,
            buttons=None,
            conversation_id=conversation,
            last_error=sql_case((owed, literal(CANCELLED)), else_=null()),
            state=sql_case((owed, literal(FAILED)), else_=Delivery.state),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if note is not None:
        actor, at = note
        session.add(
            CaseEvent(case_id=case.id, at=at, actor=actor, type=Event.NOTE, new=ERASURE_NOTE)
        )
        case.updated_at = at
    return {"case_events": events, "deliveries": deliveries}
