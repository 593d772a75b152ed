"""One change of one case: the only code that moves a case's status, unit, assignee
or clocks, and writes its history.

A ``CaseChange`` works on a case row locked in an open transaction
(``Ledger.change``); every method checks the lifecycle, updates the stored clocks
(bot/ledger/clocks.py) and appends the event. The ledger's single-step methods and
the case desk's multi-step operations are all made of these steps, so the rules
live in one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.calendar import WorkingCalendar
from bot.ledger.clocks import forwarded, replied, status_changed
from bot.ledger.lifecycle import Status, check_transition
from bot.ledger.models import Case, CaseEvent, Unit
from bot.vocabulary import CaseEventType as Event


class UnknownUnit(ValueError):
    """No active unit with that code."""


class CaseChange:
    """Steps on one locked case, all at the same instant ``now`` by ``actor``."""

    def __init__(
        self,
        session: Session,
        case: Case,
        actor: str,
        now: dt.datetime,
        calendar: WorkingCalendar,
    ) -> None:
        self.session, self.case, self.actor, self.now = session, case, actor, now
        self._calendar = calendar

    def event(
        self, type_: Event, old: str | None = None, new: str | None = None, case: Case | None = None
    ) -> None:
        """Append a history event (to ``case``, default the changed one)."""
        target = case or self.case
        self.session.add(
            CaseEvent(
                case_id=target.id, at=self.now, actor=self.actor, type=type_, old=old, new=new
            )
        )
        target.updated_at = self.now

    def status(self, status: Status, reason: str | None = None) -> None:
        """Move along the lifecycle (``IllegalTransition`` otherwise)."""
        old = Status(self.case.status)
        check_transition(old, status, reason)
        self._set(status_changed(self.case, old.value, status.value, self.now))
        self.case.status = status.value
        if reason:
            self.case.status_reason = reason
        self.event(Event.STATUS, old=old.value, new=status.value)
        if reason:
            self.event(Event.REASON, new=reason)

    def verify_if_new(self) -> None:
        """A case acted on is verified first (the lifecycle allows no shortcut)."""
        if self.case.status == Status.BELUM_DIVERIFIKASI.value:
            self.status(Status.BELUM_DITINDAKLANJUTI)

    def forward(self, unit_code: str) -> Unit:
        """To a unit; another unit than the current one restarts the follow-up clock."""
        unit = self.session.execute(
            select(Unit).where(Unit.code == unit_code, Unit.active.is_(True))
        ).scalar_one_or_none()
        if unit is None:
            raise UnknownUnit(f"unit {unit_code!r} tidak dikenal atau nonaktif")
        old = self.session.get(Unit, self.case.unit_id) if self.case.unit_id else None
        if unit.id != self.case.unit_id:  # to the same unit again: the clock runs on
            self._set(forwarded(self.now, self._calendar))
        self.case.unit_id = unit.id
        self.event(Event.ASSIGNED, old=old.code if old else None, new=unit.code)
        return unit

    def reply(self, text: str) -> None:
        """An agent's message to the applicant (it may follow a forwarding up)."""
        self._set(replied(self.case, self.now))
        self.event(Event.AGENT_REPLY, new=text)

    def take_over(self) -> None:
        self.case.taken_over_by = self.actor
        self.event(Event.TAKEN_OVER)

    def hand_back(self) -> None:
        self.case.taken_over_by = None
        self.event(Event.HANDED_BACK)

    def assign_agent(self, agent_id: int | None) -> None:
        old = self.case.assigned_agent_id
        self.case.assigned_agent_id = agent_id
        self.event(
            Event.ASSIGNED_AGENT,
            old=str(old) if old else None,
            new=str(agent_id) if agent_id else None,
        )

    def _set(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            setattr(self.case, name, value)
