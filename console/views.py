"""Cases as rows and pages for the console (no web framework here)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bot.case_status import STATUS_LABELS
from bot.ledger.calendar import WIB
from bot.ledger.lifecycle import Status
from bot.ledger.models import Case
from bot.ledger.service import Ledger
from bot.privacy import redact_personal_data
from bot.topics import load_topics

NEARLY_DUE_WORKING_DAYS = 2
RATING_LABELS = {1: "Tidak puas", 2: "Kurang puas", 3: "Puas", 4: "Sangat puas"}


@dataclass(frozen=True)
class QueueRow:
    ticket: str
    status: str
    status_label: str
    topic: str
    channel: str
    unit: str
    age_working_days: int
    due: str
    urgency: str  # "breached" | "soon" | ""
    summary: str
    taken_over_by: str | None
    mine: bool

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def local(moment: dt.datetime | None) -> str:
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H.%M") if moment else "-"


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


def queue_rows(
    ledger: Ledger,
    cases: list[Case],
    agent_id: int,
    now: dt.datetime,
    filters: dict[str, str],
) -> list[QueueRow]:
    """Open cases by SLA due date, filtered by status, topic, channel, unit or "mine"."""
    topics = load_topics()
    rows = []
    for case in cases:
        if filters.get("status") and case.status != filters["status"]:
            continue
        if filters.get("topic") and case.sscn_topic != filters["topic"]:
            continue
        if filters.get("channel") and case.channel != filters["channel"]:
            continue
        if filters.get("unit") and (case.unit.code if case.unit else "") != filters["unit"]:
            continue
        if filters.get("mine") and case.assigned_agent_id != agent_id:
            continue
        due = ledger.sla_due(case)
        remaining = ledger.calendar.working_days_between(now, due)
        urgency = (
            "breached" if now > due else ("soon" if remaining <= NEARLY_DUE_WORKING_DAYS else "")
        )
        rows.append(
            QueueRow(
                ticket=case.ticket,
                status=case.status,
                status_label=STATUS_LABELS[Status(case.status)],
                topic=topics[case.sscn_topic].label.split(" (")[0] if case.sscn_topic else "-",
                channel=case.channel,
                unit=case.unit.code if case.unit else "-",
                age_working_days=ledger.calendar.working_days_between(case.received_at, now),
                due=local(due),
                urgency=urgency,
                summary=redact(case.summary),
                taken_over_by=case.taken_over_by,
                mine=case.assigned_agent_id == agent_id,
            )
        )
    return rows
