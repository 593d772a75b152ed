"""An applicant's erasure request (UU 27/2022): ``sscn privacy erase`` and /admin/privasi.

Everything of one conversation goes, whatever its age: its outbox filings, its
tracker-store events, its knowledge-base questions, its cases' texts, name, NIK,
contacts and registration number, their history's replies and notes, what was
still to be sent, and its message log texts. Rows stay anonymised
(bot/ledger/anonymise.py), so the reports' totals do not change; an open case keeps
its ticket, status and clocks and gets the history line "data pemohon dihapus atas
permintaan". The request is audited under a keyed hash of the conversation id.

The steps are a list, one per store, in order (``erasure_steps``): the outbox first
(a waiting filing must not become a case afterwards), the questions before the
message log (rows without a conversation id are matched by the messages' texts).
A store added later adds one line there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, func, or_, select

from bot.conversations import CHANNELS, SEPARATOR, conversation_id
from bot.ledger import anonymise
from bot.ledger.models import Case, KbLookup, Message
from bot.ledger.outbox import Outbox
from bot.ledger.tickets import parse_ticket
from bot.privacy_audit import ERASE, record
from bot.pseudonyms import is_pseudonym
from bot.services import Services

MAX_USER_CHARS = 200
# Questions recorded without a conversation id match the conversation's messages
# written this close to them.
LOOKUP_WINDOW = dt.timedelta(minutes=2)


class ErasureRefused(ValueError):
    """The request cannot be carried out as given (message in Indonesian)."""


@dataclass(frozen=True)
class ErasureStep:
    """One store: ``forget(conversation_id)`` -> rows (or files) erased, or such
    counts per table."""

    name: str
    forget: Callable[[str], int | dict[str, int]]


@dataclass(frozen=True)
class ErasureResult:
    channel: str
    subject_hash: str
    counts: dict[str, int]
    tickets: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Preview:
    """What an erasure of a conversation would touch, for the confirmation step."""

    conversation_id: str
    tickets: tuple[str, ...]
    open_tickets: tuple[str, ...]
    messages: int


def subject(channel: str, user: str) -> str:
    """The conversation id of ``user`` on ``channel``: a platform id (Telegram chat,
    X author, web chat session) or the conversation id itself as the console shows it."""
    channel, user = (channel or "").strip().lower(), (user or "").strip()
    if channel not in CHANNELS:
        raise ErasureRefused("Kanal tidak dikenal.")
    if not user:
        raise ErasureRefused("Isi ID pengguna atau percakapan.")
    if len(user) > MAX_USER_CHARS or not user.isprintable():
        raise ErasureRefused("ID pengguna tidak sah.")
    prefix = f"{channel}{SEPARATOR}"
    found = user if user.startswith(prefix) else conversation_id(channel, user)
    if found == prefix:
        raise ErasureRefused("Isi ID pengguna atau percakapan.")
    if is_pseudonym(found):
        raise ErasureRefused("ID ini sudah dianonimkan.")
    rest = found[len(prefix) :]
    if SEPARATOR in rest and rest.split(SEPARATOR, 1)[0] in CHANNELS:
        raise ErasureRefused("ID percakapan ini milik kanal lain.")
    return found


def conversation_of_ticket(services: Services, ticket: str) -> tuple[str, str] | None:
    """The channel and conversation id of a case, for the console's ticket lookup."""
    if parse_ticket(ticket or "") is None:
        return None
    with services.sessions() as session:
        row = session.execute(
            select(Case.channel, Case.conversation_id).where(Case.ticket == ticket.strip().upper())
        ).first()
    if row is None or is_pseudonym(row.conversation_id):
        return None
    return row.channel, row.conversation_id


def preview(services: Services, conversation: str) -> Preview:
    """The cases and the number of logged messages of a conversation."""
    with services.sessions() as session:
        cases = session.execute(
            select(Case.ticket, Case.resolved_at)
            .where(or_(Case.conversation_id == conversation, Case.channel_user == conversation))
            .order_by(Case.id)
        ).all()
        messages = session.execute(
            select(func.count(Message.id)).where(Message.conversation_id == conversation)
        ).scalar_one()
    return Preview(
        conversation,
        tuple(case.ticket for case in cases),
        tuple(case.ticket for case in cases if case.resolved_at is None),
        messages,
    )


def erasure_steps(services: Services, actor: str, now: dt.datetime) -> list[ErasureStep]:
    """The stores an erasure goes through, in order. Add a store with one line."""
    sessions, pseudonyms = services.sessions, services.pseudonyms

    def tracker(conversation: str) -> int:
        events = services.tracker_events
        return events.forget(conversation) if events is not None else 0

    def lookups(conversation: str) -> int:
        return anonymise.lookups(sessions, pseudonyms, _lookups_of(services, conversation))

    def cases(conversation: str) -> dict[str, int]:
        condition = or_(Case.conversation_id == conversation, Case.channel_user == conversation)
        return anonymise.cases(sessions, pseudonyms, condition, note=(actor, now))

    def messages(conversation: str) -> int:
        condition = Message.conversation_id == conversation
        return anonymise.messages(sessions, pseudonyms, condition)

    return [
        ErasureStep("outbox", lambda conversation: forget_filings(services.outbox, conversation)),
        ErasureStep("tracker_events", tracker),
        ErasureStep("kb_lookups", lookups),
        ErasureStep("cases", cases),  # with their case_events and deliveries
        ErasureStep("messages", messages),
        ErasureStep("announcements", services.broadcasts.forget),  # subscriber, recipients
    ]


def _lookups_of(services: Services, conversation: str):
    """The conversation's questions: by conversation id, or (recorded without one) by
    the same text on the same channel within ``LOOKUP_WINDOW`` of its messages."""
    with services.sessions() as session:
        written = session.execute(
            select(Message.text, Message.at).where(
                Message.conversation_id == conversation, Message.direction == "in"
            )
        ).all()
    by_id = KbLookup.conversation_id == conversation
    if not written:
        return by_id
    channel = conversation.split(SEPARATOR, 1)[0]
    texts = sorted({row.text for row in written})
    first = min(row.at for row in written) - LOOKUP_WINDOW
    last = max(row.at for row in written) + LOOKUP_WINDOW
    same_text = and_(
        KbLookup.conversation_id.is_(None),
        KbLookup.channel == channel,
        KbLookup.at.between(first, last),
        KbLookup.text.in_(texts),
    )
    return or_(by_id, same_text)


def forget_filings(outbox: Outbox, conversation: str) -> int:
    """Delete the outbox items (waiting or rejected) filed from ``conversation``."""
    deleted = 0
    for directory in (outbox.directory, outbox.rejected_dir):
        if not directory.is_dir():
            continue
        for path in directory.glob("*.json"):
            if _filed_from(path, conversation):
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted


def _filed_from(path: Path, conversation: str) -> bool:
    try:
        record_ = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record_, dict) and conversation in (
        record_.get("conversation_id"),
        record_.get("channel_user"),
    )


def erase(
    services: Services,
    channel: str,
    user: str,
    actor: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ErasureResult:
    """Erase everything of ``user`` on ``channel`` (see ``subject``) and audit it."""
    conversation = subject(channel, user)
    now = now or dt.datetime.now(dt.timezone.utc)
    tickets = preview(services, conversation).tickets
    counts: dict[str, int] = {}
    digest = services.pseudonyms.digest(conversation)
    channel = conversation.split(SEPARATOR, 1)[0]
    try:
        for step in erasure_steps(services, actor, now):
            done = step.forget(conversation)
            counts.update(done if isinstance(done, dict) else {step.name: done})
    except Exception as error:  # audit what was done; running the request again finishes it
        with contextlib.suppress(Exception):
            unfinished = f"TIDAK SELESAI ({type(error).__name__}); {reason}"
            record(services.sessions, now, actor, ERASE, counts, channel, digest, unfinished)
        raise
    record(services.sessions, now, actor, ERASE, counts, channel, digest, reason)
    return ErasureResult(channel, digest, counts, tickets)
