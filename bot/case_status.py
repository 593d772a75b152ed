"""What an applicant may see of their case: status in plain Indonesian, last update, due date."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dates import format_date_id
from bot.ledger.calendar import WIB
from bot.ledger.lifecycle import CLOSED, STATUS_LABELS, Status
from bot.ledger.models import Case, CaseEvent
from bot.ledger.service import Ledger
from bot.vocabulary import CaseEventType

# Event types an applicant is told about; notes, NIK reveals etc. stay internal.
PUBLIC_EVENTS = {
    CaseEventType.CREATED,
    CaseEventType.STATUS,
    CaseEventType.ASSIGNED,
    CaseEventType.AGENT_REPLY,
}


@dataclass(frozen=True)
class PublicStatus:
    ticket: str
    status: str
    last_update: str
    due_date: str
    overdue: bool
    closed: bool


def describe_event(event: CaseEvent, ledger_units: dict[str, str]) -> str:
    if event.type == CaseEventType.CREATED:
        return "aduan diterima"
    if event.type == CaseEventType.STATUS:
        return f'status menjadi "{STATUS_LABELS[Status(event.new)]}"'
    if event.type == CaseEventType.ASSIGNED:
        return f"diteruskan ke {ledger_units.get(event.new or '', 'unit terkait')}"
    return "petugas membalas pesan Anda"


def format_moment(moment) -> str:
    local = moment.astimezone(WIB)
    return f"{format_date_id(local.date())} pukul {local:%H.%M} WIB"


def public_status(case: Case, ledger: Ledger) -> PublicStatus:
    """The applicant's view of ``case``; a closed case shows its reason if it has one."""
    status = Status(case.status)
    label = STATUS_LABELS[status]
    if status in CLOSED and case.status_reason:
        label = f"{label}: {case.status_reason}"
    visible = [event for event in case.events if event.type in PUBLIC_EVENTS]
    last = visible[-1] if visible else None
    units = {case.unit.code: case.unit.name} if case.unit else {}
    last_update = f"{format_moment(last.at)}, {describe_event(last, units)}" if last else "-"
    return PublicStatus(
        ticket=case.ticket,
        status=label,
        last_update=last_update,
        due_date=format_date_id(ledger.sla_due(case).astimezone(WIB).date()),
        overdue=status not in CLOSED and ledger.is_breached(case),
        closed=status in CLOSED,
    )
