"""File, find and change cases; every change is recorded in ``case_events``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.sql import Select

from bot.ledger.calendar import WorkingCalendar
from bot.ledger.changes import CaseChange
from bot.ledger.clocks import SLA_WORKING_DAYS as SLA_WORKING_DAYS  # re-exported
from bot.ledger.clocks import (
    CaseClocks,
    case_clocks,
    receipt_clocks,
)
from bot.ledger.crypto import FieldCipher
from bot.ledger.lifecycle import CLOSED, Status
from bot.ledger.models import Case, CaseEvent
from bot.ledger.queue import QueueFilter, QueuePage, queue_page
from bot.ledger.tickets import allocate_number, format_ticket, parse_ticket
from bot.privacy import mask_nik
from bot.text import normalize
from bot.topics import load_topics
from bot.vocabulary import CaseEventType

DUPLICATE_WINDOW = dt.timedelta(minutes=10)
CASE_KINDS = ("complaint", "unanswered_question", "human_request")


def _by_ticket(ticket: str) -> Select:
    """The query for one case by its ticket number (case-insensitive)."""
    return select(Case).where(Case.ticket == ticket.strip().upper())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class NewCase:
    """What the bot knows when it files a case."""

    channel: str
    channel_user: str
    conversation_id: str
    kind: str
    summary: str
    description: str | None = None
    display_name: str | None = None
    sscn_topic: str | None = None
    nik: str | None = None
    contact: str | None = None
    registration_number: str | None = None
    # Outbox filings: a key that makes refiling idempotent, and the original receipt time.
    intake_key: str | None = None
    received_at: dt.datetime | None = None


@dataclass(frozen=True)
class Filed:
    case: Case
    created: bool  # False when an identical recent filing was found instead


def _record(
    session: Session,
    case: Case,
    actor: str,
    type_: str,
    at: dt.datetime,
    old: str | None = None,
    new: str | None = None,
) -> None:
    """Append one event to the case's history."""
    session.add(CaseEvent(case_id=case.id, at=at, actor=actor, type=type_, old=old, new=new))


class UnknownCase(LookupError):
    """No case with that ticket (or not visible to the asking user)."""


class Ledger:
    def __init__(
        self,
        sessions: sessionmaker,
        cipher: FieldCipher,
        calendar: WorkingCalendar | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self.calendar = calendar or WorkingCalendar()
        self._clock = clock

    @property
    def sessions(self) -> sessionmaker:
        """The ledger database's sessions (for records kept beside the cases)."""
        return self._sessions

    def sla_due(self, case: Case) -> dt.datetime:
        """End of the 12th working day after receipt (stored at filing)."""
        return case.sla_due_at

    def clocks(self, case: Case) -> CaseClocks:
        """The SLA, verification and follow-up clocks of ``case``, judged now."""
        return case_clocks(case, self._clock())

    def file(self, new: NewCase, actor: str = "bot") -> Filed:
        """Create a case, or return the same user's identical case of the last 10 minutes.

        A filing with an ``intake_key`` that is already in the ledger returns that case.
        """
        if new.kind not in CASE_KINDS:
            raise ValueError(f"unknown case kind {new.kind!r}; expected one of {CASE_KINDS}")
        topics = load_topics()
        if new.sscn_topic is not None and new.sscn_topic not in topics:
            raise ValueError(f"unknown sscn_topic {new.sscn_topic!r}")
        try:
            return self._file(new, actor, topics)
        except IntegrityError:
            # A concurrent filing of the same outbox item won the race.
            existing = self.find_by_intake_key(new.intake_key) if new.intake_key else None
            if existing is None:
                raise
            return Filed(existing, created=False)

    def _file(self, new: NewCase, actor: str, topics: dict) -> Filed:
        now = new.received_at or self._clock()
        with self._sessions() as session, session.begin():
            existing = self._recent_duplicate(session, new, now)
            if existing is not None:
                return Filed(existing, created=False)
            number = allocate_number(session, now.year)
            case = Case(
                ticket=format_ticket(now.year, number),
                year=now.year,
                number=number,
                channel=new.channel,
                channel_user=new.channel_user,
                conversation_id=new.conversation_id,
                display_name=new.display_name,
                kind=new.kind,
                sscn_topic=new.sscn_topic,
                lapor_type=topics[new.sscn_topic].lapor_type if new.sscn_topic else None,
                status=Status.BELUM_DIVERIFIKASI.value,
                summary=new.summary[:300],
                description=new.description,
                nik_encrypted=self._cipher.encrypt(new.nik) if new.nik else None,
                contact_encrypted=self._cipher.encrypt(new.contact) if new.contact else None,
                registration_number=new.registration_number,
                intake_key=new.intake_key,
                received_at=now,
                updated_at=now,
                **receipt_clocks(now, self.calendar),
            )
            session.add(case)
            session.flush()
            _record(session, case, actor, CaseEventType.CREATED, now, new=Status.BELUM_DIVERIFIKASI)
            return Filed(case, created=True)

    def find_by_intake_key(self, key: str) -> Case | None:
        """The case filed from an outbox item, once it has been filed."""
        with self._sessions() as session:
            return session.execute(
                select(Case).options(selectinload(Case.events)).where(Case.intake_key == key)
            ).scalar_one_or_none()

    def _recent_duplicate(self, session: Session, new: NewCase, now: dt.datetime) -> Case | None:
        if new.intake_key:
            same_key = session.execute(
                select(Case).where(Case.intake_key == new.intake_key)
            ).scalar_one_or_none()
            if same_key is not None:
                return same_key
        candidates = session.execute(
            select(Case).where(
                Case.channel == new.channel,
                Case.channel_user == new.channel_user,
                Case.received_at >= now - DUPLICATE_WINDOW,
            )
        ).scalars()
        wanted = normalize(new.summary)
        return next((c for c in candidates if normalize(c.summary) == wanted), None)

    def get(self, ticket: str) -> Case:
        """A case with its events; ``UnknownCase`` if there is none."""
        if parse_ticket(ticket) is None:
            raise UnknownCase(ticket)
        with self._sessions() as session:
            case = session.execute(
                _by_ticket(ticket).options(selectinload(Case.events), selectinload(Case.unit))
            ).scalar_one_or_none()
        if case is None:
            raise UnknownCase(ticket)
        return case

    def get_for_user(self, ticket: str, channel: str, channel_user: str) -> Case:
        """The case only if this channel user filed it: others get ``UnknownCase`` too."""
        case = self.get(ticket)
        if (case.channel, case.channel_user) != (channel, channel_user):
            raise UnknownCase(ticket)
        return case

    def list_cases(
        self, status: str | None = None, topic: str | None = None, breached: bool = False
    ) -> list[Case]:
        """Cases by SLA due date (oldest receipt first), optionally filtered."""
        query = (
            select(Case)
            .options(selectinload(Case.unit), selectinload(Case.events))
            .order_by(Case.received_at, Case.id)
        )
        if status:
            query = query.where(Case.status == status)
        if topic:
            query = query.where(Case.sscn_topic == topic)
        with self._sessions() as session:
            cases = list(session.execute(query).scalars())
        return [case for case in cases if self.is_breached(case)] if breached else cases

    def is_breached(self, case: Case) -> bool:
        """Past its SLA due time: still open now, or resolved after the due time."""
        return self.clocks(case).sla.breached

    def now(self) -> dt.datetime:
        """The ledger's clock (what breaches are judged against)."""
        return self._clock()

    def masked_nik(self, case: Case) -> str | None:
        return mask_nik(self._cipher.decrypt(case.nik_encrypted)) if case.nik_encrypted else None

    def latest_for_user(self, channel: str, channel_user: str) -> Case | None:
        with self._sessions() as session:
            return session.execute(
                select(Case)
                .options(selectinload(Case.events), selectinload(Case.unit))
                .where(Case.channel == channel, Case.channel_user == channel_user)
                .order_by(Case.received_at.desc(), Case.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    @contextmanager
    def change(self, ticket: str, actor: str) -> Iterator[CaseChange]:
        """One transaction on the case, its row locked: the steps of bot/ledger/changes.py
        commit together or not at all (``UnknownCase`` when there is no such case)."""
        with self._sessions() as session, session.begin():
            yield CaseChange(
                session, self._locked(session, ticket), actor, self._clock(), self.calendar
            )

    def set_status(
        self, ticket: str, status: Status, actor: str, reason: str | None = None
    ) -> Case:
        """Move a case along its lifecycle (illegal moves raise ``IllegalTransition``)."""
        with self.change(ticket, actor) as change:
            change.status(status, reason)
        return self.get(ticket)

    def queue(self, wanted: QueueFilter, agent_id: int | None = None, page: int = 1) -> QueuePage:
        """One page of the agents' queue (bot/ledger/queue.py), judged now."""
        return queue_page(self._sessions, wanted, self._clock(), agent_id, page)

    def open_count(self, breached: bool = False) -> int:
        """How many cases are open (only those past their SLA due time: ``breached``)."""
        query = select(func.count()).select_from(Case).where(Case.resolved_at.is_(None))
        if breached:
            query = query.where(Case.sla_due_at < self._clock())
        with self._sessions() as session:
            return session.execute(query).scalar_one()

    def assign(self, ticket: str, unit_code: str, actor: str) -> Case:
        """Forward a case to a unit."""
        with self.change(ticket, actor) as change:
            change.forward(unit_code)
        return self.get(ticket)

    def record(self, ticket: str, actor: str, type_: str, new: str | None = None) -> None:
        """Append an event without changing the case: agent_reply, note, taken_over..."""
        with self.change(ticket, actor) as change:
            if type_ == CaseEventType.TAKEN_OVER:
                change.take_over()
            elif type_ == CaseEventType.HANDED_BACK:
                change.hand_back()
            elif type_ == CaseEventType.AGENT_REPLY:
                change.reply(new or "")
            else:
                change.event(CaseEventType(type_), new=new)

    def assign_agent(self, ticket: str, agent_id: int | None, actor: str) -> None:
        with self.change(ticket, actor) as change:
            change.assign_agent(agent_id)

    def rate(self, channel: str, channel_user: str, rating: int) -> Case | None:
        """Store the applicant's 1-4 rating on their latest resolved, unrated case."""
        if rating not in (1, 2, 3, 4):
            raise ValueError("rating must be 1-4")
        with self._sessions() as session, session.begin():
            case = session.execute(
                select(Case)
                .where(
                    Case.channel == channel,
                    Case.channel_user == channel_user,
                    Case.status == Status.SELESAI.value,
                    Case.csat_rating.is_(None),
                )
                .order_by(Case.updated_at.desc(), Case.id.desc())
                .limit(1)
                .with_for_update()
            ).scalar_one_or_none()
            if case is None:
                return None
            case.csat_rating = rating
            _record(session, case, "applicant", CaseEventType.RATED, self._clock(), new=str(rating))
            return case

    def open_cases(self) -> list[Case]:
        """Cases not closed yet, oldest receipt (so earliest SLA due) first."""
        closed = [status.value for status in CLOSED]
        with self._sessions() as session:
            return list(
                session.execute(
                    select(Case)
                    .options(selectinload(Case.unit), selectinload(Case.events))
                    .where(Case.status.not_in(closed))
                    .order_by(Case.received_at, Case.id)
                ).scalars()
            )

    @staticmethod
    def _locked(session: Session, ticket: str) -> Case:
        case = session.execute(_by_ticket(ticket).with_for_update()).scalar_one_or_none()
        if case is None:
            raise UnknownCase(ticket)
        return case
