"""Ledger tables: units, cases, the append-only case events, ticket counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns timezone-aware datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; pass an aware one")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


class Unit(Base):
    """An organisational unit a case can be forwarded to (Biro Humas, directorates)."""

    __tablename__ = "units"
    id = Column(Integer, primary_key=True)
    code = Column(String(40), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    active = Column(Boolean, nullable=False, default=True)


class TicketCounter(Base):
    """The last ticket number handed out in a year (numbers are gap-free per year)."""

    __tablename__ = "ticket_counters"
    year = Column(Integer, primary_key=True, autoincrement=False)
    last_number = Column(Integer, nullable=False, default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_cases_year_number"),
        UniqueConstraint("intake_key", name="uq_cases_intake_key"),
    )

    id = Column(Integer, primary_key=True)
    ticket = Column(String(20), nullable=False, unique=True)
    year = Column(Integer, nullable=False)
    number = Column(Integer, nullable=False)
    channel = Column(String(20), nullable=False)
    channel_user = Column(String(128), nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False)
    display_name = Column(String(200))
    kind = Column(String(30), nullable=False)
    sscn_topic = Column(String(40))
    lapor_type = Column(String(40))
    status = Column(String(30), nullable=False, index=True)
    status_reason = Column(Text)
    unit_id = Column(Integer, ForeignKey("units.id"))
    summary = Column(String(300), nullable=False)
    description = Column(Text)
    nik_encrypted = Column(Text)
    contact_encrypted = Column(Text)
    registration_number = Column(String(40))
    assigned_agent_id = Column(Integer, ForeignKey("agents.id"))
    taken_over_by = Column(String(60))  # username of the agent talking instead of the bot
    csat_rating = Column(Integer)  # 1 Tidak puas .. 4 Sangat puas, asked when resolved
    # Set when the filing came through the outbox: refiling the same item is a no-op.
    intake_key = Column(String(64))
    received_at = Column(UTCDateTime, nullable=False, index=True)
    updated_at = Column(UTCDateTime, nullable=False)
    # Clocks, computed when their event happens (definitions: docs/METRICS.md).
    sla_due_at = Column(UTCDateTime)  # receipt + 12 working days
    resolved_at = Column(UTCDateTime)  # first move to a closed status
    verification_due_at = Column(UTCDateTime)  # receipt + 3 working days
    verified_at = Column(UTCDateTime)  # first move out of belum_diverifikasi
    forwarded_at = Column(UTCDateTime)  # latest forwarding to a (different) unit
    followup_due_at = Column(UTCDateTime)  # forwarded_at + 5 working days
    followed_up_at = Column(UTCDateTime)  # first status change or agent reply after it

    unit = relationship(Unit)
    events = relationship("CaseEvent", order_by="CaseEvent.id", back_populates="case")


Index("ix_cases_queue", Case.sla_due_at, Case.id)
Index("ix_cases_status_queue", Case.status, Case.sla_due_at, Case.id)
Index("ix_cases_assignee_queue", Case.assigned_agent_id, Case.sla_due_at, Case.id)


class CaseEvent(Base):
    """Every change of a case: who, when, what, from which value to which."""

    __tablename__ = "case_events"
    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(100), nullable=False)
    type = Column(String(40), nullable=False)
    old = Column(Text)
    new = Column(Text)

    case = relationship(Case, back_populates="events")


class Message(Base):
    """One inbound message or one reply on a channel (see bot/ledger/messages.py)."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "direction", "external_id", name="uq_messages_external"),
    )
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    direction = Column(String(3), nullable=False)  # "in" | "out"
    external_id = Column(String(64))  # update_id, tweet id, posted tweet id
    author = Column(String(100), nullable=False)  # applicant | bot | agent name
    text = Column(Text, nullable=False)  # personal data redacted
    status = Column(String(20), nullable=False)
    note = Column(Text)
    reply_to_id = Column(Integer, ForeignKey("messages.id"), index=True)
    part = Column(Integer)  # position in a thread of replies
    at = Column(UTCDateTime, nullable=False)  # written (inbound) or queued (outbound)
    done_at = Column(UTCDateTime)  # delivered, answered or given up
    # Inbound: until when one handler holds the message (a lease; see MessageLog.claim).
    claimed_until = Column(UTCDateTime)


Index("ix_messages_channel_at", Message.channel, Message.at)
Index("ix_messages_conversation", Message.channel, Message.conversation_id)
Index("ix_messages_at", Message.at)


class ChannelCursor(Base):
    """Where a poller stopped reading (X mentions ``since_id``, Telegram ``offset``)."""

    __tablename__ = "channel_cursors"
    name = Column(String(40), primary_key=True)
    value = Column(String(64), nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


class Agent(Base):
    """A helpdesk agent or supervisor who logs in to the console."""

    __tablename__ = "agents"
    id = Column(Integer, primary_key=True)
    username = Column(String(60), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    role = Column(String(20), nullable=False)  # agent | supervisor
    password_hash = Column(String(300), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)


class LoginThrottle(Base):
    """Failed console log-ins under one key: an (account, source address) pair, or a
    source address across accounts. The key is a SHA-256, so neither is stored."""

    __tablename__ = "login_throttles"
    key = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False)
    blocked_until = Column(UTCDateTime)
    last_failure_at = Column(UTCDateTime, nullable=False, index=True)


class AgentSession(Base):
    """A console log-in: only a hash of the cookie's token is stored."""

    __tablename__ = "agent_sessions"
    token_hash = Column(String(64), primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)

    agent = relationship(Agent)


class KbLookup(Base):
    """One knowledge-base lookup by the bot: the question (redacted), which entry
    answered and how surely, and the applicant's feedback. Reports count FAQ use;
    FAQ suggestions group what went unanswered, unsure or unhelpful."""

    __tablename__ = "kb_lookups"
    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, index=True)
    channel = Column(String(20), nullable=False)
    faq_id = Column(String(80))  # None: no entry was good enough
    text = Column(Text)  # the question, personal data redacted (purged after retention)
    conversation_id = Column(String(200), index=True)  # "<channel>:<id>", for erasure
    confidence = Column(Float)  # the answer's confidence (None: no entry)
    outcome = Column(String(20))  # answered | low_confidence | unanswered
    feedback = Column(String(20))  # helpful | unhelpful ("was this helpful?")


class Delivery(Base):
    """A message or bot switch the case desk owes a conversation (transactional outbox).

    Written in the same transaction as the case change that causes it, handed to the
    applicant's channel after commit, in ``id`` order per conversation; one that could
    not be handed over stays ``pending`` (retried) and is shown on the case page.
    """

    __tablename__ = "deliveries"
    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    conversation_id = Column(String(200), nullable=False)
    kind = Column(String(20), nullable=False)  # send | pause | resume
    text = Column(Text)
    buttons = Column(Text)  # JSON list of {title, payload}
    author = Column(String(100), nullable=False)
    state = Column(String(20), nullable=False, default="pending")  # see bot/desk_deliveries.py
    attempts = Column(Integer, nullable=False, default=0)
    claimed_at = Column(UTCDateTime)  # when a process began handing it over
    last_error = Column(Text)
    created_at = Column(UTCDateTime, nullable=False)
    delivered_at = Column(UTCDateTime)

    __table_args__ = (Index("ix_deliveries_state_conversation", "state", "conversation_id", "id"),)


class KbChange(Base):
    """One change of a knowledge-base entry: made in the console (who) or found when a
    process reloaded the files ("outside", no actor). A console change is written
    ``applied = False`` before its file is replaced and becomes applied once a reload
    sees the entry as saved, so a save that crashed midway leaves no false record."""

    __tablename__ = "kb_changes"
    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(60))  # the console username; None for an outside edit
    source = Column(String(10), nullable=False)  # console | outside
    entry_id = Column(String(80), nullable=False)
    file = Column(String(120), nullable=False)
    kind = Column(String(10), nullable=False)  # added | changed | removed
    diff = Column(Text, nullable=False)  # unified diff of the entry's YAML text
    entry_digest = Column(String(40), nullable=False)  # SHA-1 of the text after ("" removed)
    fingerprint_after = Column(String(40), nullable=False)  # the files' hash after it
    snapshot_version = Column(Integer)  # the snapshot transition that saw it (None: pending)
    applied = Column(Boolean, nullable=False, default=True)

    __table_args__ = (
        UniqueConstraint("snapshot_version", "entry_id", name="uq_kb_changes_version_entry"),
        Index("ix_kb_changes_entry", "entry_id", "id"),
    )


class KbSnapshot(Base):
    """The knowledge base as last seen by any process (one row, id 1): its files' hash
    and every entry's file and YAML text, so a reload can tell what changed since."""

    __tablename__ = "kb_snapshots"
    id = Column(Integer, primary_key=True, autoincrement=False)
    version = Column(Integer, nullable=False)
    fingerprint = Column(String(40), nullable=False)
    entries = Column(Text, nullable=False)  # JSON {entry id: [file, text]}
    updated_at = Column(UTCDateTime, nullable=False)


class KbSuggestion(Base):
    """A group of questions the knowledge base did not answer well: a proposed new
    entry for Humas (bot/kb/suggestions.py). Holds counts and the proposal's id only;
    the questions themselves are read from ``kb_lookups`` through its members."""

    __tablename__ = "kb_suggestions"
    id = Column(Integer, primary_key=True)
    state = Column(String(20), nullable=False, index=True)  # open | approved | merged | dismissed
    first_day = Column(Date, nullable=False)  # first and last day (WIB) it was asked
    last_day = Column(Date, nullable=False)
    size = Column(Integer, nullable=False)  # asks
    channels = Column(Text, nullable=False)  # JSON {channel: asks}
    reasons = Column(Text, nullable=False)  # JSON {unanswered|low_confidence|unhelpful: asks}
    nearest = Column(Text, nullable=False)  # JSON [[entry id, title, score], ...]
    proposed_id = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    decided_by = Column(String(100))
    decided_at = Column(UTCDateTime)
    entry_id = Column(String(80))  # the entry created (approved) or extended (merged)


class KbSuggestionMember(Base):
    """One lookup grouped into a suggestion, with the rank of its wording."""

    __tablename__ = "kb_suggestion_members"
    suggestion_id = Column(
        Integer, ForeignKey("kb_suggestions.id", ondelete="CASCADE"), primary_key=True
    )
    lookup_id = Column(
        Integer, ForeignKey("kb_lookups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rank = Column(Integer, nullable=False)  # 0: the group's most typical wording
    phrasing = Column(Integer)  # order among the proposed phrasings (None: not one)


class KbDecidedQuestion(Base):
    """A question wording Humas has decided on (SHA-256 of its normalised text):
    never suggested again. The hash is no personal data."""

    __tablename__ = "kb_decided_questions"
    text_hash = Column(String(64), primary_key=True)
    suggestion_id = Column(Integer, ForeignKey("kb_suggestions.id"), nullable=False)


class KbSuggestionLock(Base):
    """One row every writer of suggestions updates first: refreshes and decisions run
    one at a time on SQLite and PostgreSQL alike."""

    __tablename__ = "kb_suggestion_lock"
    id = Column(Integer, primary_key=True)
    touched_at = Column(UTCDateTime, nullable=False)


class PrivacyAudit(Base):
    """One erasure request handled or one retention purge run (UU 27/2022): who, when,
    what was anonymised per store. The applicant is named only by a keyed hash of the
    conversation id (bot/pseudonyms.py), never by the id itself."""

    __tablename__ = "privacy_audit"
    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, index=True)
    actor = Column(String(100), nullable=False)  # console username, --by, or "retensi"
    action = Column(String(10), nullable=False)  # erase | purge
    channel = Column(String(20))  # erase only
    subject_hash = Column(String(64))  # erase only: keyed hash of the conversation id
    counts = Column(Text, nullable=False)  # JSON {store: rows}
    reason = Column(Text)  # personal data redacted


class Subscriber(Base):
    """A Telegram conversation that asked for announcements (``/langganan``).

    ``state``: active | stopped (``/berhenti``) | inactive (the bot was blocked, the
    chat is gone); ``reason`` says why it is not active."""

    __tablename__ = "subscribers"
    conversation_id = Column(String(200), primary_key=True)  # "telegram:<chat id>"
    state = Column(String(20), nullable=False, index=True)
    since = Column(UTCDateTime, nullable=False)  # when the state last changed
    reason = Column(String(200))


class Broadcast(Base):
    """An announcement Humas composed, and how its sending went.

    The counters are kept as recipients finish, so they outlive the recipient rows
    (purged after retention) and the report's totals stay the same."""

    __tablename__ = "broadcasts"
    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    kb_entry_id = Column(String(80))
    created_by = Column(String(100), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    state = Column(String(20), nullable=False, index=True)  # draft|sending|paused|done|cancelled
    started_at = Column(UTCDateTime)
    finished_at = Column(UTCDateTime, index=True)
    lease_owner = Column(String(100))  # the worker sending it now
    lease_until = Column(UTCDateTime)  # renewed while it sends; free once past
    recipients_count = Column(Integer, nullable=False, default=0)
    sent_count = Column(Integer, nullable=False, default=0)
    failed_count = Column(Integer, nullable=False, default=0)
    blocked_count = Column(Integer, nullable=False, default=0)
    unknown_count = Column(Integer, nullable=False, default=0)


class BroadcastRecipient(Base):
    """One subscriber a broadcast goes to (snapshot taken when it starts).

    ``state``: pending | sending | sent | failed | blocked | unknown (it was being
    sent when a worker died: never sent again, see bot/announcements/sending.py)."""

    __tablename__ = "broadcast_recipients"
    id = Column(Integer, primary_key=True)
    broadcast_id = Column(Integer, ForeignKey("broadcasts.id"), nullable=False)
    conversation_id = Column(String(200), nullable=False, index=True)
    state = Column(String(20), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    error = Column(String(500))
    sent_at = Column(UTCDateTime)
    telegram_message_id = Column(Integer)

    __table_args__ = (
        UniqueConstraint("broadcast_id", "conversation_id", name="uq_broadcast_recipient"),
        Index("ix_broadcast_recipients_state", "broadcast_id", "state", "id"),
    )
