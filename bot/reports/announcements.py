"""Announcement figures of a report: each broadcast started in the period, the
totals, and how many subscribers are active now.

Read from the counters on the broadcast rows, so the figures stay the same after
the recipient rows are purged (retention) or erased.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.announcements.subscriptions import ACTIVE
from bot.ledger.models import Broadcast, Subscriber

if TYPE_CHECKING:  # figures imports this module
    from bot.reports.figures import Period

FIGURES = ("recipients", "sent", "failed", "blocked", "unknown")


def announcement_figures(sessions: sessionmaker, period: Period) -> dict[str, Any]:
    """Per broadcast (oldest first) and in total: recipients, sent, failed, blocked,
    unknown; and the active subscribers."""
    with sessions() as session:
        rows = session.execute(
            select(Broadcast)
            .where(Broadcast.started_at >= period.start, Broadcast.started_at < period.end)
            .order_by(Broadcast.started_at, Broadcast.id)
        ).scalars()
        broadcasts = [
            {
                "id": row.id,
                "title": row.title,
                "started_at": row.started_at.isoformat(),
                "state": row.state,
                "recipients": row.recipients_count,
                "sent": row.sent_count,
                "failed": row.failed_count,
                "blocked": row.blocked_count,
                "unknown": row.unknown_count,
            }
            for row in rows
        ]
        active = session.execute(
            select(func.count()).select_from(Subscriber).where(Subscriber.state == ACTIVE)
        ).scalar_one()
    return {
        "broadcasts": broadcasts,
        "totals": {name: sum(b[name] for b in broadcasts) for name in FIGURES},
        "active_subscribers": active,
    }
