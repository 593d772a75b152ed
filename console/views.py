"""Cases as rows and pages for the console (no web framework here)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.config import current_settings
from bot.desk import RATING_LABELS as RATING_WORDS
from bot.ledger.lifecycle import STATUS_LABELS
from bot.ledger.models import CaseEvent
from bot.ledger.queue import QueuePage
from bot.privacy import redact_personal_data
from bot.topics import load_topics
from bot.vocabulary import CaseEventType as Event
from bot.vocabulary import Channel

NEARLY_DUE = dt.timedelta(days=2)  # the queue marks an SLA due this soon
STATUS_WORDS = {status.value: label for status, label in STATUS_LABELS.items()}
KIND_WORDS = {
    "complaint": "Pengaduan",
    "unanswered_question": "Pertanyaan tak terjawab",
    "human_request": "Minta bicara dengan petugas",
}
CHANNEL_WORDS = {
    Channel.WEBCHAT.value: "Obrolan web",
    Channel.TELEGRAM.value: "Telegram",
    Channel.TWITTER.value: "X (Twitter)",
    Channel.REST.value: "API (REST)",
}
EVENT_WORDS = {
    Event.CREATED: "kasus diterima",
    Event.STATUS: "status diubah",
    Event.REASON: "alasan",
    Event.ASSIGNED: "diteruskan ke unit",
    Event.ASSIGNED_AGENT: "ditugaskan ke petugas",
    Event.TAKEN_OVER: "percakapan diambil alih",
    Event.HANDED_BACK: "dikembalikan ke asisten",
    Event.AGENT_REPLY: "balasan petugas",
    Event.NOTE: "catatan internal",
    Event.RATED: "penilaian pemohon",
    Event.NIK_REVEALED: "NIK dibuka",
    Event.CONTACT_REVEALED: "kontak dibuka",
    Event.DUPLICATE_OF: "ditandai duplikat dari",
    Event.MERGED: "digabungkan dengan",
}


@dataclass(frozen=True)
class QueueRow:
    ticket: str
    status: str
    status_label: str
    topic: str
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    unit: str
    received: str
    due: str
    urgency: str  # "breached" | "soon" | ""
    verification: str  # LAPOR's 3 working days: "tepat waktu", "lewat batas", "menunggu"
    followup: str  # 5 working days after forwarding to a unit; "-" before
    summary: str
    taken_over_by: str | None
    assignee: str | None  # display name of the agent who holds the case
    mine: bool

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def local(moment: dt.datetime | None) -> str:
    """A moment in the helpdesk's time zone, as agents read it."""
    zone = current_settings().timezone
    return moment.astimezone(zone).strftime("%d-%m-%Y %H.%M") if moment else "-"


def redact(text: str | None) -> str:
    """Personal data out of text shown to agents (again: it should be out already)."""
    return redact_personal_data(text) if text else ""


def mask_contact(value: str) -> str:
    """An e-mail as ``a***@gmail.com``, a phone number as ``08********12`` (like a NIK)."""
    name, at, domain = value.strip().rpartition("@")
    if at:
        return f"{name[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    if len(digits) < 6:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def split_contacts(stored: str) -> list[str]:
    """The contacts the intake found, as the ledger keeps them (joined by ", ")."""
    return [value.strip() for value in stored.split(", ") if value.strip()]


def redacted_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Transcript lines with personal data redacted from their text."""
    return [{**line, "text": redact(line.get("text"))} for line in lines]


def event_lines(
    events: list[CaseEvent], names: dict[int, str], actors: Mapping[str, str] = MappingProxyType({})
) -> list[dict[str, str]]:
    """A case's history in words: when, who (``actors``: username -> display name),
    what, from which value to which."""

    def value(type_: str, text: str | None) -> str:
        if not text:
            return ""
        if type_ in (Event.STATUS, Event.CREATED):
            return STATUS_WORDS.get(text, text)
        if type_ == Event.ASSIGNED_AGENT and text.isdigit():
            return names.get(int(text), text)
        if type_ == Event.RATED and text.isdigit():
            return RATING_WORDS.get(int(text), text)
        return redact(text)

    return [
        {
            "at": local(event.at),
            "actor": actors.get(event.actor)
            or ("Asisten" if event.actor == "bot" else event.actor),
            "what": EVENT_WORDS.get(event.type, event.type),
            "old": value(event.type, event.old),
            "new": value(event.type, event.new),
        }
        for event in events
    ]


def transcript_authors(lines: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Who wrote each transcript line, in words: the applicant, the assistant or the
    agent's display name."""
    labels = {"applicant": "Pemohon", "bot": "Asisten"}
    return [
        {**line, "author": names.get(line["author"]) or labels.get(line["author"], line["author"])}
        for line in lines
    ]


def queue_rows(
    page: QueuePage,
    agent_id: int,
    now: dt.datetime,
    names: Mapping[int, str] = MappingProxyType({}),
) -> list[QueueRow]:
    """A page of the ledger's queue as the console shows it; ``names`` maps agent ids
    to display names (who holds each case). Every clock is read from the case, none
    computed here."""
    topics = load_topics()
    rows = []
    for row in page.rows:
        sla = row.clocks.sla
        soon = sla.met_at is None and sla.due_at - now <= NEARLY_DUE
        rows.append(
            QueueRow(
                ticket=row.ticket,
                status=row.status,
                status_label=row.status_label,
                topic=topics[row.topic].label.split(" (")[0] if row.topic in topics else "-",
                kind=row.kind,
                kind_label=KIND_WORDS.get(row.kind, row.kind),
                channel=row.channel,
                channel_label=CHANNEL_WORDS.get(row.channel, row.channel),
                unit=row.unit or "-",
                received=local(row.received_at),
                due=local(sla.due_at),
                urgency="breached" if sla.breached else ("soon" if soon else ""),
                verification=row.clocks.verification.state,
                followup=row.clocks.followup.state if row.clocks.followup else "-",
                summary=redact(row.summary),
                taken_over_by=row.taken_over_by,
                assignee=names.get(row.assigned_agent_id) if row.assigned_agent_id else None,
                mine=row.assigned_agent_id == agent_id,
            )
        )
    return rows
