"""Cases as plain data for staff tools: JSON for ``sscn cases show``, rows for lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.ledger.calendar import WIB
from bot.ledger.models import Case
from bot.ledger.service import Ledger


def iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the WIB offset (``2026-11-28T10:00:00+07:00``)."""
    return moment.astimezone(WIB).isoformat() if moment else None


def case_as_dict(case: Case, ledger: Ledger) -> dict[str, Any]:
    """Everything staff may see of a case; the NIK only masked."""
    return {
        "ticket": case.ticket,
        "status": case.status,
        "status_reason": case.status_reason,
        "kind": case.kind,
        "sscn_topic": case.sscn_topic,
        "lapor_type": case.lapor_type,
        "channel": case.channel,
        "channel_user": case.channel_user,
        "display_name": case.display_name,
        "unit": case.unit.code if case.unit else None,
        "summary": case.summary,
        "description": case.description,
        "nik": ledger.masked_nik(case),
        "received_at": iso(case.received_at),
        "updated_at": iso(case.updated_at),
        "sla_due_at": iso(ledger.sla_due(case)),
        "breached": ledger.is_breached(case),
        "events": [
            {"at": iso(e.at), "actor": e.actor, "type": e.type, "old": e.old, "new": e.new}
            for e in case.events
        ],
    }


def case_row(case: Case, ledger: Ledger) -> str:
    """One line of ``sscn cases list``."""
    flag = "LEWAT SLA" if ledger.is_breached(case) else ""
    due = ledger.sla_due(case).astimezone(WIB).strftime("%Y-%m-%d")
    return (
        f"{case.ticket}  {case.status:22s} {case.sscn_topic or '-':26s} "
        f"{case.channel:9s} due {due} {flag}".rstrip()
    )
