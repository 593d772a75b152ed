"""The composition root: every long-lived object of a process, built once from its settings.

A process's entry point (action server, Rasa channels, console, CLI) builds one
``Services(settings)`` and hands it on; nothing else opens a database engine or
reads the environment. Each object is built on first use, so a command that
needs only the knowledge base never connects to the ledger.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.agents import AgentStore, ThrottlePolicy
from bot.announcements.broadcasts import Broadcasts
from bot.announcements.subscriptions import Subscriptions
from bot.config import Settings, current_settings
from bot.desk import CaseDesk
from bot.desk_deliveries import ApplicantPort, Deliveries
from bot.intake import IntakeDesk
from bot.kb.editor import KbEditor
from bot.kb.history import KbHistory
from bot.kb.store import KnowledgeBaseStore
from bot.kb.suggestions import SuggestionBook
from bot.ledger.calendar import WorkingCalendar, configured_calendar
from bot.ledger.crypto import FieldCipher, cipher_for
from bot.ledger.db import DEFAULT_URL, make_engine, make_sessionmaker
from bot.ledger.messages import MessageLog
from bot.ledger.outbox import Outbox
from bot.ledger.service import Ledger
from bot.nlu_data import Example, examples_by_intent, read_examples
from bot.pseudonyms import Pseudonyms, ledger_secret
from bot.seasons import SeasonStore
from bot.topics import TopicClassifier
from bot.tracker_events import TrackerEvents, tracker_url
from bot.unit_directory import UnitDirectory

# Intents whose examples are certainly not FAQ questions: negatives when the
# knowledge base calibrates its threshold.
NON_QUESTION_INTENTS = ("out_of_scope", "greeting", "thanks", "goodbye", "affirm", "deny")


class Services:
    """Engine, calendar, ledger, message log, agents, knowledge base... of one process."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or current_settings()

    # --- Ledger database ----------------------------------------------------
    @cached_property
    def engine(self) -> Engine:
        """The one engine of the ledger database in this process."""
        return make_engine(
            self.settings.database_url or DEFAULT_URL,
            connect_timeout=self.settings.db_connect_timeout,
        )

    @cached_property
    def sessions(self) -> sessionmaker:
        return make_sessionmaker(self.engine)

    @cached_property
    def cipher(self) -> FieldCipher:
        """Encrypts NIK and contacts (``SSCN_LEDGER_KEY``, else a development key)."""
        return cipher_for(self.settings.ledger_key, self.settings.var_dir / "ledger.key")

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """Service hours, holidays, cuti bersama and the days-off file Humas edits."""
        settings = self.settings
        return configured_calendar(
            settings.service_hours, settings.days_off_file, settings.timezone
        )

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.sessions, self.cipher, self.calendar)

    @cached_property
    def message_log(self) -> MessageLog:
        return MessageLog(self.sessions, claim_seconds=self.settings.message_claim_seconds)

    @cached_property
    def agents(self) -> AgentStore:
        settings = self.settings
        policy = ThrottlePolicy(
            per_account=settings.console_login_limit,
            per_source=settings.console_login_source_limit,
            max_wait=dt.timedelta(minutes=settings.console_login_max_wait_minutes),
        )
        return AgentStore(
            self.sessions,
            policy=policy,
            session_lifetime=dt.timedelta(hours=settings.console_session_hours),
        )

    @cached_property
    def units(self) -> UnitDirectory:
        return UnitDirectory(self.sessions)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.settings.outbox_dir, self.cipher)

    @cached_property
    def outbound(self) -> ApplicantPort:
        """The way to applicants' conversations: Rasa's HTTP API."""
        from channels.outbound import Outbound  # the adapter; bot/ needs only the port

        return Outbound(self.settings.rasa_url, self.settings.rasa_auth_token)

    @cached_property
    def deliveries(self) -> Deliveries:
        return Deliveries(self.sessions, self.outbound)

    @cached_property
    def desk(self) -> CaseDesk:
        """Every operation on a case, for the actions and the console."""
        return CaseDesk(self.ledger, self.agents, self.intake, lambda: self.deliveries, self.cipher)

    @cached_property
    def intake(self) -> IntakeDesk:
        """Files the bot's cases, spooling them in the outbox while the ledger is down."""
        return IntakeDesk(self.ledger, self.outbox, self.settings.outbox_retry_seconds)

    @cached_property
    def pseudonyms(self) -> Pseudonyms:
        """Keyed pseudonyms of conversation ids (erasure, retention), from the ledger key."""
        self.cipher  # noqa: B018 (creates the development key when SSCN_LEDGER_KEY is unset)
        return Pseudonyms(ledger_secret(self.settings))

    @cached_property
    def tracker_events(self) -> TrackerEvents | None:
        """Rasa's tracker store as the endpoints file configures it (None: not SQL)."""
        url = tracker_url(self.settings)
        return TrackerEvents.from_url(url, self.settings.db_connect_timeout) if url else None

    @cached_property
    def subscriptions(self) -> Subscriptions:
        """Who gets announcements on Telegram (``/langganan``, ``/berhenti``)."""
        return Subscriptions(self.sessions)

    @cached_property
    def broadcasts(self) -> Broadcasts:
        """Announcements Humas composes; their recipients, sending and counters."""
        return Broadcasts(self.sessions, lambda entry: self.knowledge_base.current().entry(entry))

    # --- Knowledge and language -------------------------------------------
    @cached_property
    def examples(self) -> list[Example]:
        return read_examples(self.settings.nlu_dir)

    @cached_property
    def knowledge_base(self) -> KnowledgeBaseStore:
        """The served knowledge base; each version it loads is shown to the history,
        which records the edits made outside the console."""
        directory = self.settings.kb_dir
        return KnowledgeBaseStore(
            directory,
            negatives=lambda: examples_by_intent(self.examples, *NON_QUESTION_INTENTS),
            on_reload=lambda loaded: self.kb_history.observe(loaded, directory),
        )

    @cached_property
    def kb_history(self) -> KbHistory:
        """Who changed which knowledge-base entry, when, and the diff."""
        return KbHistory(self.sessions)

    @cached_property
    def kb_editor(self) -> KbEditor:
        """Humas's changes to the knowledge-base files (console)."""
        return KbEditor(self.settings.kb_dir, self.kb_history, self.knowledge_base)

    @cached_property
    def suggestions(self) -> SuggestionBook:
        """FAQ suggestions from what the knowledge base did not answer well."""
        return SuggestionBook(self.sessions, self.knowledge_base)

    @cached_property
    def seasons(self) -> SeasonStore:
        """The season calendar Humas edits (``knowledge_base/config/seasons.yml``)."""
        return SeasonStore(self.settings.kb_dir / "config" / "seasons.yml")

    @cached_property
    def topics(self) -> TopicClassifier:
        return TopicClassifier.from_examples(self.examples)


@cache
def process_services() -> Services:
    """The services of this process, for the objects Rasa builds itself (channels,
    tracker and lock stores) and so cannot be handed them."""
    return Services(current_settings())
