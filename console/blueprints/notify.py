"""What is new for an agent since a moment: new cases in the queue and applicant
messages in the open cases they hold. ``console.js`` polls it every few seconds
with the ``now`` of its previous answer and adds the counts to the title's badge.

Both counts are range scans of a few seconds on indexed columns
(``cases.received_at``; ``messages.at``, joined to cases on the indexed
``channel_user``), capped, so polling costs the same at 100,000 cases.
"""

from __future__ import annotations

import datetime as dt

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import and_, func, select
from sqlalchemy.orm import sessionmaker

from bot.ledger.lifecycle import CLOSED
from bot.ledger.models import Case, Message
from console.web import db, me, require_case_desk, services_of

MAX_LOOKBACK = dt.timedelta(minutes=15)  # a tab asleep for hours starts from here
MAX_COUNT = 99  # the badge reads "99" at most; counting stops there
MAX_TICKETS = 10

notify = Blueprint("notify")


def since_of(value: str | None, now: dt.datetime) -> dt.datetime:
    """``sejak`` as an aware moment, no earlier than ``MAX_LOOKBACK`` ago; ``now`` when
    missing or unreadable (the first poll only learns the server's clock)."""
    try:
        moment = dt.datetime.fromisoformat(value or "")
    except ValueError:
        return now
    if moment.tzinfo is None:
        return now
    return min(max(moment, now - MAX_LOOKBACK), now)


def whats_new(
    sessions: sessionmaker, agent_id: int, since: dt.datetime, now: dt.datetime
) -> dict[str, object]:
    """New cases received in (since, now], and applicant messages written then in the
    open cases assigned to ``agent_id`` (with their tickets)."""
    closed = [status.value for status in CLOSED]
    new_cases = (
        select(Case.id)
        .where(Case.received_at > since, Case.received_at <= now)
        .limit(MAX_COUNT)
        .subquery()
    )
    written = (
        select(Case.ticket)
        .select_from(Message)
        .join(
            Case,
            and_(Case.channel_user == Message.conversation_id, Case.channel == Message.channel),
        )
        .where(
            Message.at > since,
            Message.at <= now,
            Message.direction == "in",
            Case.assigned_agent_id == agent_id,
            Case.status.not_in(closed),
        )
        .limit(MAX_COUNT)
    )
    with sessions() as session:
        cases = session.execute(select(func.count()).select_from(new_cases)).scalar_one()
        tickets = list(session.execute(written).scalars())
    return {
        "now": now.isoformat(),
        "new_cases": cases,
        "messages": len(tickets),
        "tickets": list(dict.fromkeys(tickets))[:MAX_TICKETS],
    }


@notify.get("/api/pemberitahuan")
async def notifications(request: Request) -> HTTPResponse:
    require_case_desk(request)
    now = dt.datetime.now(dt.timezone.utc)
    since = since_of(request.args.get("sejak"), now)
    sessions = services_of(request).sessions
    return response.json(await db(request, whats_new, sessions, me(request).id, since, now))
