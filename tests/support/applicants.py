"""Applicants with personal data in every store, and a scan for what is left of them.

``Dataset`` writes through the real pieces: the channel gate (redaction, sealed
contacts), the message log, the ledger's filing (NIK, contacts, name), the case
desk (take over, replies, notes, forwarding, resolving, rating), knowledge-base
lookups, the outbox, and Rasa's tracker store through channels/tracker_store.py.
``leaks`` reads every text column of every table of a database (Fernet tokens
decrypted) and says where any of the given strings still appears.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine, make_url

from bot.config import Settings
from bot.desk_deliveries import Deliveries
from bot.inbound import prepare_inbound
from bot.ledger.crypto import FieldCipher
from bot.ledger.lookups import record_lookup
from bot.ledger.messages import ANSWERED, MessageLog
from bot.ledger.migrate import upgrade
from bot.ledger.service import Ledger, NewCase
from bot.services import Services
from bot.tracker_events import TrackerEvents
from channels.tracker_store import SQLTrackerStore
from devtools.postgres import scratch_schema

DOMAIN = Domain.from_path("domain.yml")
PASSWORD = "kata-sandi-uji-123"
_FERNET = re.compile(r"gAAAAA[A-Za-z0-9_\-=]+")


class Clock:
    """A settable clock for the ledger, the message log and the deliveries."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


class NullPort:
    """The applicant's side: everything handed over arrives."""

    def send(self, conversation_id, text, author, buttons=None) -> str:
        return "telegram"

    def pause(self, conversation_id) -> None: ...

    def resume(self, conversation_id) -> None: ...


@dataclass
class Applicant:
    channel: str
    platform_id: str
    name: str
    nik: str
    phone: str
    email: str
    phrase: str  # words only this applicant wrote
    tickets: list[str] = field(default_factory=list)

    @property
    def conversation(self) -> str:
        return f"{self.channel}:{self.platform_id}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must be gone after erasure (the conversation id as well)."""
        return (self.name, self.nik, self.phone, self.email, self.phrase, self.conversation)


def tracker_store(services: Services, directory: Path, postgres_url: str | None, monkeypatch):
    """Rasa's tracker store (our class) on SQLite, or on the PostgreSQL scratch schema;
    the services' ``tracker_events`` point at the same database."""
    if postgres_url is None:
        path = directory / "tracker.db"
        store = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path))
        services.tracker_events = TrackerEvents.from_url(f"sqlite:///{path}")
        return store
    url = make_url(postgres_url)
    monkeypatch.setenv("POSTGRESQL_SCHEMA", url.query["options"].split("=")[-1])
    store = SQLTrackerStore(
        domain=DOMAIN,
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
    )
    services.tracker_events = TrackerEvents.from_url(postgres_url)
    return store


class Dataset:
    """Writes applicants' conversations and cases at the clock's time."""

    def __init__(self, services: Services, store: SQLTrackerStore, clock: Clock) -> None:
        self.services, self.store, self.clock = services, store, clock
        services.ledger = Ledger(services.sessions, services.cipher, services.calendar, clock)
        services.message_log = MessageLog(services.sessions, clock=clock)
        services.deliveries = Deliveries(services.sessions, NullPort(), clock=clock)
        agents = services.agents
        self.agent = agents.by_username("ani") or agents.add("ani", "Ani", "agent", PASSWORD)
        self.supervisor = agents.by_username("sari") or agents.add(
            "sari", "Sari", "supervisor", PASSWORD
        )

    @property
    def cipher(self) -> FieldCipher:
        return self.services.cipher

    def conversation(self, who: Applicant, new_session: bool = False) -> str:
        """One turn: the applicant writes (name, NIK, phone, e-mail), the bot answers;
        in the message log, the knowledge base's lookups and the tracker store."""
        raw = (
            f"Nama saya {who.name}, NIK {who.nik}, HP {who.phone}, surel {who.email}. "
            f"{who.phrase}, mohon dibantu"
        )
        gated = prepare_inbound(raw, 2000)
        log = self.services.message_log
        inbound, _ = log.receive(
            who.channel, who.conversation, f"ext-{self.clock().timestamp()}", gated.text
        )
        log.record_sent(
            who.channel, who.conversation, f"Baik {who.name}, kami bantu.", reply_to_id=inbound.id
        )
        log.set_status(inbound.id, ANSWERED)
        at = self.clock()
        record_lookup(
            self.services.sessions,
            who.channel,
            None,
            gated.text,
            at,
            conversation_id=who.conversation,
        )
        # As the bot records its lookups today: no conversation id.
        record_lookup(self.services.sessions, who.channel, "kartu-ujian", gated.text, at)
        stamp = at.timestamp()
        metadata = {"display_name": who.name, **gated.metadata(self.cipher)}
        events = [
            *([SessionStarted(timestamp=stamp)] if new_session else []),
            ActionExecuted("action_listen", timestamp=stamp),
            UserUttered(
                gated.text,
                intent={"name": "complaint", "confidence": 0.9},
                metadata=metadata,
                timestamp=stamp,
            ),
            SlotSet("case_description", gated.text, timestamp=stamp),
            BotUttered(f"Baik {who.name}, kami bantu.", timestamp=stamp),
            ActionExecuted("action_listen", timestamp=stamp),
        ]
        tracker = asyncio.run(self.store.retrieve_full_tracker(who.conversation))
        past = list(tracker.events) if tracker else []
        asyncio.run(
            self.store.save(
                DialogueStateTracker.from_events(who.conversation, past + events, DOMAIN.slots)
            )
        )
        return gated.text

    def case(self, who: Applicant, topic: str = "akun_nik") -> str:
        """A filed case with the applicant's data; its ticket."""
        description = f"{who.phrase}. Atas nama {who.name}, mohon bantuannya segera."
        filed = self.services.ledger.file(
            NewCase(
                channel=who.channel,
                channel_user=who.conversation,
                conversation_id=who.conversation,
                kind="complaint",
                summary=description[:120],
                description=description,
                display_name=who.name,
                sscn_topic=topic,
                nik=who.nik,
                contact=f"{who.phone}, {who.email}",
                registration_number="REG-4455667788",
            )
        )
        who.tickets.append(filed.case.ticket)
        return filed.case.ticket

    def worked(self, ticket: str, who: Applicant, resolve: bool, deliver: bool = True) -> None:
        """An agent takes over, replies by name, notes, forwards; optionally resolves
        (and the applicant rates)."""
        desk = self.services.desk
        steps = [
            lambda: desk.take_over(ticket, self.agent),
            lambda: desk.reply(ticket, self.agent, f"Halo {who.name}, kami cek dulu ya."),
            lambda: desk.note(ticket, self.agent, f"{who.name} sudah dihubungi, {who.phrase}"),
            lambda: desk.forward(ticket, self.agent, "DIT_PENGADAAN"),
        ]
        if resolve:
            steps.append(lambda: desk.resolve(ticket, self.agent, f"Sudah beres, {who.name}."))
        for step in steps:
            self.clock.advance(hours=2)
            outcome = step()
            if deliver:
                desk.deliver(outcome)
        if resolve:
            self.services.ledger.rate(who.channel, who.conversation, 4)


def leaks(engine: Engine, cipher: FieldCipher, needles: tuple[str, ...]) -> dict[str, list[str]]:
    """Every place (table.column) of the database where one of ``needles`` appears in a
    text value, also inside Fernet tokens it holds (decrypted) and JSON."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if not isinstance(value, str):
                        continue
                    for text in _readable(value, cipher):
                        for needle in needles:
                            if needle.lower() in text.lower():
                                found.setdefault(needle, []).append(f"{table.name}.{column}")
    return found


def _readable(value: str, cipher: FieldCipher) -> list[str]:
    texts = [value]
    with contextlib.suppress(ValueError):
        texts.append(json.dumps(json.loads(value), ensure_ascii=False))
    for token in _FERNET.findall(value):
        with contextlib.suppress(ValueError):
            texts.append(cipher.decrypt(token))
    return texts


def files_mentioning(directory: Path, needles: tuple[str, ...], cipher: FieldCipher) -> list[str]:
    """Files under ``directory`` holding one of ``needles`` (Fernet tokens decrypted)."""
    hits = []
    for path in directory.rglob("*.json") if directory.is_dir() else []:
        for text in _readable(path.read_text(encoding="utf-8"), cipher):
            if any(needle.lower() in text.lower() for needle in needles):
                hits.append(path.name)
                break
    return hits


def totals(report: dict) -> dict:
    """A report without the texts of the unanswered-question clusters (which go with
    the questions) and without today's number of active subscribers (an erased
    applicant is no longer one); every count, time and ticket of the period stays."""
    copy = json.loads(json.dumps(report, default=str))
    copy["knowledge_base"].pop("unanswered_clusters")
    copy.get("announcements", {}).pop("active_subscribers", None)
    return copy


@contextlib.contextmanager
def migrated_world(
    postgres_url: str | None, directory: Path, monkeypatch, start: dt.datetime
) -> Iterator[tuple[Services, SQLTrackerStore, Dataset]]:
    """Services on a migrated ledger (PostgreSQL when ``postgres_url``, else SQLite in
    ``directory``), a tracker store beside it and an empty data set clocked at ``start``."""
    url = postgres_url or f"sqlite:///{directory}/l.db"
    upgrade(url)
    settings = Settings.from_env({}).replace(
        database_url=url,
        ledger_key=Fernet.generate_key().decode(),
        outbox_dir=directory / "outbox",
        var_dir=directory,
    )
    services = Services(settings)
    # PostgreSQL: the tracker store in a schema of its own, as in its own database.
    with scratch_schema() if postgres_url else contextlib.nullcontext(None) as tracker_url:
        store = tracker_store(services, directory, tracker_url, monkeypatch)
        try:
            yield services, store, Dataset(services, store, Clock(start))
        finally:
            store.engine.dispose()
            services.tracker_events.engine.dispose()
            services.engine.dispose()
