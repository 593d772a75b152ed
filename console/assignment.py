"""Who may act on a case: its assignee, anyone while it is unassigned, a supervisor always."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import Agent, Case, CaseEvent


class NotYours(Exception):
    """The case is assigned to another agent (the message says to whom, in Indonesian)."""


def may_act(agent: Agent, case: Case) -> bool:
    return agent.role == "supervisor" or case.assigned_agent_id in (None, agent.id)


def refusal(assignee: str) -> NotYours:
    return NotYours(
        f"Kasus ini ditangani {assignee}. Minta supervisor bila perlu dialihkan ke Anda."
    )


def check_may_act(agent: Agent, case: Case, assignee: str) -> None:
    if not may_act(agent, case):
        raise refusal(assignee)


def claim(sessions: sessionmaker, ticket: str, agent: Agent) -> bool:
    """Assign an unassigned case to ``agent`` in one statement (two agents clicking at
    once: one wins); True when the case is now theirs."""
    now = dt.datetime.now(dt.timezone.utc)
    with sessions() as session, session.begin():
        claimed = session.execute(
            update(Case)
            .where(Case.ticket == ticket, Case.assigned_agent_id.is_(None))
            .values(assigned_agent_id=agent.id, updated_at=now)
        ).rowcount
        case = session.execute(select(Case).where(Case.ticket == ticket)).scalar_one()
        if claimed:
            session.add(
                CaseEvent(
                    case_id=case.id,
                    at=now,
                    actor=agent.username,
                    type="assigned_agent",
                    new=str(agent.id),
                )
            )
        return case.assigned_agent_id == agent.id
