"""The case desk: every operation on a case, for the bot and for the agents.

The actions and the console call only this module (django-helpdesk's single
``update_ticket()``, Chatwoot's services). Each agent operation is one
transaction: the case row is locked, the lifecycle checked, every change and its
history event written, and whatever the applicant must receive (a message,
pausing or resuming the bot) queued as a delivery in the same transaction
(bot/desk_deliveries.py). Only after commit are the deliveries handed to the
applicant's channel. So a database failure leaves nothing changed and nothing
sent, and a Rasa failure leaves the case changed with its deliveries pending
(shown on the case page, retried) instead of half an operation.

Refusals (not the agent's case, an illegal status move, an empty message) raise
:class:`DeskRefusal` with a short Indonesian message for the agent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.agents import AgentStore
from bot.desk_deliveries import FAILED, PAUSE, PENDING, RESUME, SEND, Deliveries
from bot.intake import IntakeDesk, PublicStatus, Receipt
from bot.ledger.changes import CaseChange, UnknownUnit
from bot.ledger.crypto import FieldCipher
from bot.ledger.lifecycle import CLOSED, STATUS_LABELS, IllegalTransition, Status
from bot.ledger.models import Agent, Case, CaseEvent, Delivery
from bot.ledger.service import Ledger, NewCase, UnknownCase
from bot.vocabulary import CaseEventType as Event

MAX_TEXT_CHARS = 2000
RATING_REQUEST = "Bagaimana penilaian Anda atas layanan kami?"
# Permen PANRB 14/2017 scale; the payload is what the bot's rating action reads.
RATING_LABELS = {1: "Tidak puas", 2: "Kurang puas", 3: "Puas", 4: "Sangat puas"}
RATING_BUTTONS = [
    {"title": label, "payload": f'/rate{{"csat_rating":"{value}"}}'}
    for value, label in RATING_LABELS.items()
]


class DeskRefusal(ValueError):
    """The operation is not allowed or its input is unusable (message in Indonesian)."""


class NotYours(DeskRefusal):
    """The case is assigned to another agent."""


@dataclass(frozen=True)
class Outcome:
    """What an operation did, for the agent: a notice and what is still owed."""

    message: str
    conversation_id: str | None = None  # set when deliveries were queued
    undelivered: str | None = None  # why the applicant has not received them yet

    @property
    def notice(self) -> str:
        if not self.undelivered:
            return self.message
        return (
            f"{self.message} Pesan/aksi ke pemohon belum terkirim (akan dicoba lagi "
            f"otomatis): {self.undelivered[:160]}"
        )


def greeting(agent: Agent) -> str:
    return f"Halo, saya {agent.display_name}, petugas Helpdesk BKN. Saya bantu langsung ya 🙂"


def may_act(agent: Agent, case: Case) -> bool:
    """The assignee, anyone while the case is unassigned, a supervisor always."""
    return agent.role == "supervisor" or case.assigned_agent_id in (None, agent.id)


def in_words(message: str) -> str:
    """A lifecycle refusal with the statuses as agents read them."""
    for status in sorted(Status, key=lambda s: -len(s.value)):
        message = message.replace(status.value, f'"{STATUS_LABELS[status]}"')
    return message.replace("->", "→")


def checked_text(text: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise DeskRefusal("Pesan kosong.")
    if len(text) > MAX_TEXT_CHARS:
        raise DeskRefusal(f"Pesan terlalu panjang (maks. {MAX_TEXT_CHARS} karakter).")
    return text


def owe(
    change: CaseChange, kind: str, text: str | None = None, buttons: list | None = None
) -> None:
    """Queue a delivery to the case's conversation in the change's transaction."""
    change.session.add(
        Delivery(
            case_id=change.case.id,
            conversation_id=change.case.conversation_id,
            kind=kind,
            text=text,
            buttons=json.dumps(buttons) if buttons else None,
            author=change.actor if kind != SEND else f"agent:{change.actor}",
            state=PENDING,
            attempts=0,
            created_at=change.now,
        )
    )


class CaseDesk:
    """File, take over, reply, hand back, forward, note, change status, resolve,
    mark duplicate, reveal, rate, status: one call each."""

    def __init__(
        self,
        ledger: Ledger,
        agents: AgentStore,
        intake: IntakeDesk,
        deliveries: Callable[[], Deliveries],
        cipher: FieldCipher,
    ) -> None:
        self.ledger = ledger
        self._cipher = cipher
        self.agents = agents
        self.intake = intake
        self._deliveries = deliveries

    @property
    def deliveries(self) -> Deliveries:
        """Built on first use: the bot's side (the action server) never needs them."""
        return self._deliveries()

    # --- The bot's side -----------------------------------------------------
    def file(self, new: NewCase) -> Receipt:
        """File a case from a conversation (spooled in the outbox while the ledger is down)."""
        return self.intake.submit(new)

    def filed_from_outbox(self, key: str) -> Receipt | None:
        return self.intake.filed_from_outbox(key)

    def applicant_status(
        self, channel: str, channel_user: str, ticket: str | None
    ) -> PublicStatus | None:
        """A case's public status for its filer only (``LedgerUnavailable`` when down)."""
        return self.intake.status(channel, channel_user, ticket)

    def rate(self, channel: str, channel_user: str, rating: int) -> Case | None:
        """The applicant's 1-4 rating of their latest resolved case, if any."""
        return self.ledger.rate(channel, channel_user, rating)

    def record_lookup(
        self,
        channel: str,
        faq_id: str | None,
        text: str,
        *,
        conversation_id: str | None = None,
        confidence: float | None = None,
        outcome: str | None = None,
    ) -> None:
        self.intake.record_lookup(
            channel,
            faq_id,
            text,
            conversation_id=conversation_id,
            confidence=confidence,
            outcome=outcome,
        )

    def record_feedback(self, conversation_id: str, helpful: bool) -> None:
        self.intake.record_feedback(conversation_id, helpful)

    # --- The agents' side -----------------------------------------------------
    def take_over(self, ticket: str, agent: Agent) -> Outcome:
        """Claim the case, pause the bot and greet the applicant."""
        with self._change(ticket, agent, claim=True) as change:
            if change.case.taken_over_by == agent.username:
                return Outcome("Percakapan ini sudah Anda ambil alih.")
            change.take_over()
            owe(change, PAUSE)
            owe(change, SEND, greeting(agent))
        return self._delivered(
            change, "Percakapan diambil alih; asisten otomatis berhenti menjawab."
        )

    def hand_back(self, ticket: str, agent: Agent) -> Outcome:
        """The bot answers the applicant again."""
        with self._change(ticket, agent) as change:
            change.hand_back()
            owe(change, RESUME)
        return self._delivered(change, "Percakapan dikembalikan ke asisten otomatis.")

    def reply(self, ticket: str, agent: Agent, text: str) -> Outcome:
        """A message to the applicant on their channel (the first is the first human
        response of docs/METRICS.md)."""
        text = checked_text(text)
        with self._change(ticket, agent) as change:
            change.reply(text)
            owe(change, SEND, text)
        return self._delivered(change, "Pesan terkirim.")

    def note(self, ticket: str, agent: Agent, text: str) -> Outcome:
        """An internal note; any agent may leave one (nothing reaches the applicant)."""
        text = checked_text(text)
        with self._change(ticket, agent, owners_only=False) as change:
            change.event(Event.NOTE, new=text)
        return Outcome("Catatan disimpan.")

    def change_status(
        self, ticket: str, agent: Agent, status: str, reason: str | None = None
    ) -> Outcome:
        try:
            wanted = Status(status)
        except ValueError as error:
            raise DeskRefusal("Status tidak dikenal.") from error
        reason = (reason or "").replace("\x00", "").strip()[:MAX_TEXT_CHARS] or None
        with self._change(ticket, agent) as change:
            change.status(wanted, reason)
        return Outcome("Status diperbarui.")

    def forward(self, ticket: str, agent: Agent, unit_code: str) -> Outcome:
        """Forward to a unit: verified if new, and in progress."""
        with self._change(ticket, agent) as change:
            # Verified and in progress first: the follow-up clock starts at the
            # forwarding and stops at the first step after it.
            change.verify_if_new()
            if change.case.status == Status.BELUM_DITINDAKLANJUTI.value:
                change.status(Status.DALAM_PROSES)
            try:
                unit = change.forward(unit_code)
            except UnknownUnit as error:
                raise DeskRefusal("Unit tidak dikenal atau nonaktif.") from error
        return Outcome(f"Kasus diteruskan ke {unit.name}.")

    def resolve(self, ticket: str, agent: Agent, closing: str) -> Outcome:
        """Close with a message to the applicant and ask for their rating (the bot
        takes it, so a taken-over conversation is handed back first)."""
        closing = checked_text(closing)
        with self._change(ticket, agent) as change:
            change.verify_if_new()
            change.status(Status.SELESAI)
            if change.case.taken_over_by:
                change.hand_back()
                owe(change, RESUME)
            change.reply(closing)
            owe(change, SEND, closing)
            owe(change, SEND, RATING_REQUEST, RATING_BUTTONS)
        return self._delivered(change, "Kasus diselesaikan; pemohon diminta memberi penilaian.")

    def reassign(self, ticket: str, supervisor: Agent, username: str) -> Outcome:
        """A supervisor gives the case to an agent (or releases it with ``""``)."""
        if supervisor.role != "supervisor":
            raise DeskRefusal("Hanya supervisor yang dapat menugaskan kasus.")
        target = self.agents.by_username(username) if username else None
        if username and (target is None or not target.active):
            raise DeskRefusal("Petugas tidak dikenal atau nonaktif.")
        with self._change(ticket, supervisor) as change:
            change.assign_agent(target.id if target else None)
        return Outcome(
            f"Kasus ditugaskan ke {target.display_name}." if target else "Penugasan dilepas."
        )

    def mark_duplicate(self, ticket: str, agent: Agent, original_ticket: str) -> Outcome:
        """Close ``ticket`` as a duplicate of ``original_ticket``, both rows locked in one
        transaction: DUPLICATE_OF on the duplicate, MERGED on the original. A case being
        worked on by a unit (dalam_proses) is refused: the agent moves it back first, so
        a unit's work is never closed by accident. A taken-over conversation is handed
        back to the bot."""
        wanted = (original_ticket or "").strip().upper()
        if not wanted:
            raise DeskRefusal("Isi nomor tiket kasus aslinya.")
        if wanted == ticket.strip().upper():
            raise DeskRefusal("Kasus tidak bisa menjadi duplikat dari dirinya sendiri.")
        with self._change(ticket, agent) as change:
            original = change.session.execute(
                select(Case).where(Case.ticket == wanted).with_for_update()
            ).scalar_one_or_none()
            if original is None:
                raise DeskRefusal(f"Tiket {wanted[:40]} tidak ditemukan.")
            if original.status == Status.DUPLIKAT.value:
                first = next(
                    (e.new for e in reversed(original.events) if e.type == Event.DUPLICATE_OF),
                    None,
                )
                hint = f" Tandai sebagai duplikat dari {first}." if first else ""
                raise DeskRefusal(f"{original.ticket} sendiri sudah duplikat.{hint}")
            status = Status(change.case.status)
            if status == Status.DALAM_PROSES:
                raise DeskRefusal(
                    "Kasus ini sedang diproses unit. Ubah dulu statusnya ke "
                    f'"{STATUS_LABELS[Status.BELUM_DITINDAKLANJUTI]}" bila memang duplikat.'
                )
            if status in CLOSED:
                raise DeskRefusal(f'Kasus ini sudah ditutup ("{STATUS_LABELS[status]}").')
            change.verify_if_new()
            change.status(Status.DUPLIKAT, f"duplikat dari {original.ticket}")
            change.event(Event.DUPLICATE_OF, new=original.ticket)
            change.event(Event.MERGED, new=change.case.ticket, case=original)
            handed_back = bool(change.case.taken_over_by)
            if handed_back:
                change.hand_back()
                owe(change, RESUME)
        message = f"Kasus ditandai duplikat dari {original.ticket}."
        return self._delivered(change, message) if handed_back else Outcome(message)

    def duplicates_of(self, ticket: str) -> list[Case]:
        """The cases merged into ``ticket`` (its MERGED events), in the order merged."""
        with self.ledger.sessions() as session:
            original = session.execute(
                select(Case.id).where(Case.ticket == ticket.strip().upper())
            ).scalar_one_or_none()
            if original is None:
                raise UnknownCase(ticket)
            tickets = list(
                session.execute(
                    select(CaseEvent.new)
                    .where(CaseEvent.case_id == original, CaseEvent.type == Event.MERGED.value)
                    .order_by(CaseEvent.id)
                ).scalars()
            )
            found = {
                case.ticket: case
                for case in session.execute(select(Case).where(Case.ticket.in_(tickets))).scalars()
            }
        return [found[t] for t in dict.fromkeys(tickets) if t in found]

    def reveal(self, ticket: str, agent: Agent, what: str) -> str | None:
        """The clear NIK (``what="nik"``) or contacts, recorded before shown."""
        event = Event.NIK_REVEALED if what == "nik" else Event.CONTACT_REVEALED
        with self._change(ticket, agent) as change:
            change.event(event)
            token = change.case.nik_encrypted if what == "nik" else change.case.contact_encrypted
        if not token:
            return None
        try:
            return self._cipher.decrypt(token)
        except ValueError:
            return "(tidak bisa dibuka: kunci ledger salah)"

    def deliver(self, outcome: Outcome) -> Outcome:
        """After an operation committed: hand what it queued to the applicant's channel
        (a separate step, so a caller can run it where a slow Rasa blocks nobody)."""
        if outcome.conversation_id is None:
            return outcome
        error = self.deliveries.deliver(outcome.conversation_id)
        return Outcome(outcome.message, outcome.conversation_id, error)

    def owed(self, case: Case) -> list[Delivery]:
        """What the applicant of ``case`` has not received yet (or never can)."""
        return self.deliveries.owed(case.id)

    def retry_deliveries(self, ticket: str | None = None) -> int:
        """Hand over what is still owed (one case, or all); how many remain owed."""
        if ticket is None:
            return self.deliveries.retry_all()
        case = self.ledger.get(ticket)
        self.deliveries.deliver(case.conversation_id)
        return len([d for d in self.deliveries.owed(case.id) if d.state != FAILED])

    def assignee_name(self, case: Case) -> str:
        agent = self.agents.by_id(case.assigned_agent_id) if case.assigned_agent_id else None
        return agent.display_name if agent else "petugas lain"

    # --- Machinery -------------------------------------------------------------
    @contextmanager
    def _change(
        self, ticket: str, agent: Agent, owners_only: bool = True, claim: bool = False
    ) -> Iterator[CaseChange]:
        """One transaction on the locked case; refusals roll everything back."""
        try:
            with self.ledger.change(ticket, agent.username) as change:
                if owners_only and not may_act(agent, change.case):
                    raise NotYours(self._refusal(change.case))
                if claim and change.case.assigned_agent_id != agent.id:
                    self._claim(change, agent)
                yield change
        except IllegalTransition as error:
            raise DeskRefusal(in_words(str(error))) from error

    def _claim(self, change: CaseChange, agent: Agent) -> None:
        """An agent takes an unassigned case, in one statement (two agents clicking at
        once: one wins); a supervisor takes any case."""
        case = change.case
        query = update(Case).where(Case.id == case.id)
        if agent.role != "supervisor":
            query = query.where(Case.assigned_agent_id.is_(None))
        old = case.assigned_agent_id
        claimed = change.session.execute(
            query.values(assigned_agent_id=agent.id, updated_at=change.now)
        ).rowcount
        change.session.refresh(case)
        if not claimed:
            raise NotYours(self._refusal(case))
        change.event(Event.ASSIGNED_AGENT, old=str(old) if old else None, new=str(agent.id))

    def _refusal(self, case: Case) -> str:
        return (
            f"Kasus ini ditangani {self.assignee_name(case)}. "
            "Minta supervisor bila perlu dialihkan ke Anda."
        )

    @staticmethod
    def _delivered(change: CaseChange, message: str) -> Outcome:
        return Outcome(message, conversation_id=change.case.conversation_id)
