"""The figures of a report over a period, from the ledger and the message log.

Every figure follows docs/METRICS.md. Periods are whole days in WIB, both ends
included; a case belongs to the period it was received in, a message to the
period it was written in.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from bot.ledger.calendar import WIB
from bot.ledger.clocks import CLOCK_NAMES
from bot.ledger.epoch import epoch_seconds
from bot.ledger.lifecycle import Status
from bot.ledger.lookups import ANSWERED as KB_ANSWERED
from bot.ledger.lookups import LOW_CONFIDENCE, UNHELPFUL
from bot.ledger.messages import ANSWERED, FAILED, POSTED, SENT
from bot.ledger.metrics import DAY, milestones_query
from bot.ledger.models import Case, CaseEvent, KbLookup, Message
from bot.ledger.service import Ledger
from bot.reports.clusters import cluster_questions
from bot.reports.ikm import ikm
from bot.topics import load_lapor_types, load_topics
from bot.vocabulary import Channel

HOUR = 3600.0
# Buckets of the first-response histogram: (upper bound in seconds, label).
RESPONSE_BUCKETS = (
    (10, "< 10 dtk"),
    (60, "10-60 dtk"),
    (300, "1-5 mnt"),
    (1800, "5-30 mnt"),
    (14400, "30 mnt-4 jam"),
    (float("inf"), "> 4 jam"),
)


@dataclass(frozen=True)
class Period:
    first_day: dt.date
    last_day: dt.date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("the period ends before it starts")

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), WIB)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), WIB)


def spread(values: list[float]) -> dict[str, float | None]:
    """Count, median and 90th percentile (nearest rank) of ``values``."""
    if not values:
        return {"n": 0, "median": None, "p90": None}
    ordered = sorted(values)
    rank = max(1, -(-9 * len(ordered) // 10))  # ceil(0.9 n)
    return {"n": len(ordered), "median": statistics.median(ordered), "p90": ordered[rank - 1]}


def _in_period(query: Select, period: Period, channel: str | None) -> Select:
    query = query.where(Case.received_at >= period.start, Case.received_at < period.end)
    return query.where(Case.channel == channel) if channel else query


def _counts(session: Session, period: Period, channel: str | None, *columns) -> Counter:
    """How many cases of the period have each combination of ``columns``' values."""
    query = _in_period(select(*columns, func.count()).group_by(*columns), period, channel)
    return Counter({tuple(row[:-1]): row[-1] for row in session.execute(query)})


def _case_times(
    session: Session, period: Period, channel: str | None
) -> tuple[list[Row], np.ndarray]:
    """Ticket and status of each case of the period, and an array of its times (POSIX
    seconds, NaN where not reached): received, updated, first human response, follow-up,
    closed, SLA due, resolved. Arrays rather than objects: a report may cover 100,000s of
    cases."""
    in_period = _in_period(select(Case.id), period, channel).scalar_subquery()
    reached = milestones_query().where(CaseEvent.case_id.in_(in_period)).subquery()
    query = _in_period(
        select(
            Case.ticket,
            Case.status,
            epoch_seconds(Case.received_at),
            epoch_seconds(Case.updated_at),
            epoch_seconds(reached.c.first_human_response),
            epoch_seconds(reached.c.followed_up),
            epoch_seconds(reached.c.closed),
            epoch_seconds(Case.sla_due_at),
            epoch_seconds(Case.resolved_at),
        ).outerjoin(reached, reached.c.case_id == Case.id),
        period,
        channel,
    )
    rows = session.execute(query.order_by(Case.received_at, Case.id)).all()
    # Millisecond precision: SQLite's julianday() keeps no more.
    times = np.round(np.array([row[2:] for row in rows], dtype=float).reshape(len(rows), 7), 3)
    return rows, times


def _wib(posix_seconds: float) -> str:
    return dt.datetime.fromtimestamp(posix_seconds, WIB).isoformat(timespec="seconds")


def _hours(values: np.ndarray) -> dict[str, float | None]:
    return spread((values[np.isfinite(values)] / HOUR).tolist())


def case_figures(
    ledger: Ledger, sessions: sessionmaker, period: Period, channel: str | None
) -> dict[str, Any]:
    with sessions() as session:
        kinds = _counts(
            session, period, channel, Case.status, Case.kind, Case.lapor_type, Case.sscn_topic
        )
        ratings = _counts(session, period, channel, Case.csat_rating)
        cases, times = _case_times(session, period, channel)
    received, _updated, replied, followed_up, closed, sla_due, resolved = times.T
    calendar = ledger.calendar
    now = ledger.now().timestamp()
    is_breached = np.where(np.isnan(resolved), now, resolved) > sla_due
    breached = [case for case, late in zip(cases, is_breached, strict=True) if late]
    follow_up_days = np.maximum(0.0, followed_up - received) / DAY
    follow_up_days = follow_up_days[np.isfinite(follow_up_days)]

    def total(position: int) -> Counter:
        counts: Counter = Counter()
        for values, count in kinds.items():
            if values[position]:
                counts[values[position]] += count
        return counts

    statuses, by_kind, lapor, topics = (total(position) for position in range(4))

    rating = ikm(rating for (rating,), count in ratings.items() if rating for _ in range(count))
    return {
        "cases": len(cases),
        "by_kind": dict(sorted(by_kind.items())),
        "lapor_status": {
            "total": len(cases),
            **{s.value: statuses.get(s.value, 0) for s in Status},
        },
        "by_lapor_type": [
            {"id": t.id, "label": t.label, "count": lapor.get(t.id, 0)}
            for t in load_lapor_types().values()
        ],
        "by_topic": [
            {"id": t.id, "label": t.label, "count": topics.get(t.id, 0)}
            for t in load_topics().values()
        ],
        "sla": {
            "cases": len(cases),
            "breached": len(breached),
            "compliance": round(1 - len(breached) / len(cases), 4) if cases else None,
            "breached_cases": [
                {
                    "ticket": c.ticket,
                    "status": c.status,
                    "received_at": _wib(c[2]),
                }
                for c in breached
            ],
        },
        # RTL: mean calendar days from receipt to follow-up, over cases followed up.
        "rtl_days": float(follow_up_days.mean()) if follow_up_days.size else None,
        "first_human_response_hours": {
            "calendar": _hours(np.maximum(0.0, replied - received)),
            "working": _hours(calendar.working_seconds_many(received, replied)),
        },
        "resolution_hours": {
            "calendar": _hours(np.maximum(0.0, closed - received)),
            "working": _hours(calendar.working_seconds_many(received, closed)),
        },
        "ikm": rating.__dict__ if rating else None,
        "clocks": clock_figures(ledger, sessions, period, channel),
    }


CLOCK_COLUMNS = {
    "sla": (Case.sla_due_at, Case.resolved_at),
    "verification": (Case.verification_due_at, Case.verified_at),
    "followup": (Case.followup_due_at, Case.followed_up_at),
}


def clock_figures(
    ledger: Ledger, sessions: sessionmaker, period: Period, channel: str | None
) -> dict[str, dict[str, int]]:
    """Per clock, over the cases whose clock fell due in the period (whenever they were
    received): how many were due, met on time, breached (met late, or unmet past due),
    still open (unmet) and, of those, overdue; judged when the report is made."""
    now = ledger.now()

    def count(condition) -> Any:
        return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)

    figures = {}
    with sessions() as session:
        for name in CLOCK_NAMES:
            due, met = CLOCK_COLUMNS[name]
            query = select(
                func.count(),
                count(met <= due),
                count(met > due),
                count(met.is_(None)),
                count(met.is_(None) & (due < now)),
            ).where(due >= period.start, due < period.end)
            if channel:
                query = query.where(Case.channel == channel)
            row = session.execute(query).one()
            due_count, on_time, late, still_open, overdue = (int(value) for value in row)
            figures[name] = {
                "due": due_count,
                "on_time": on_time,
                "breached": late + overdue,
                "open": still_open,
                "overdue": overdue,
            }
    return figures


def message_figures(sessions: sessionmaker, period: Period, channel: str | None) -> dict[str, Any]:
    columns = (
        Message.id,
        Message.channel,
        Message.conversation_id,
        Message.direction,
        Message.author,
        Message.status,
        epoch_seconds(Message.at).label("at"),
        epoch_seconds(Message.done_at).label("done_at"),
        Message.reply_to_id,
    )
    query = select(*columns).where(Message.at >= period.start, Message.at < period.end)
    if channel:
        query = query.where(Message.channel == channel)
    inbound_in_period = query.with_only_columns(Message.id).where(Message.direction == "in")
    with sessions() as session:
        rows = session.execute(query).all()
        replies = session.execute(
            select(*columns).where(
                Message.reply_to_id.in_(inbound_in_period.scalar_subquery()),
                Message.direction == "out",
            )
        ).all()
    by_inbound: dict[int, list[Row]] = {}
    for reply in replies:
        by_inbound.setdefault(reply.reply_to_id, []).append(reply)
    per_channel: dict[str, dict[str, Any]] = {}
    latency: dict[str, list[float]] = {"bot": [], "agent": []}
    mentions = {"received": 0, "answered_by_bot": 0, "answered_by_agent": 0, "unanswered": 0}
    for row in rows:
        figures = per_channel.setdefault(
            row.channel,
            {
                "inbound": 0,
                "conversations": set(),
                "replies_bot": 0,
                "replies_agent": 0,
                "failed": 0,
            },
        )
        if row.direction == "out":
            figures["replies_agent" if row.author.startswith("agent") else "replies_bot"] += 1
            continue
        figures["inbound"] += 1
        figures["failed"] += row.status == FAILED
        figures["conversations"].add(row.conversation_id)
        delivered = sorted(
            (r for r in by_inbound.get(row.id, []) if r.done_at and r.status in (SENT, POSTED)),
            key=lambda r: r.done_at,
        )
        for who in ("bot", "agent"):
            first = next((r for r in delivered if r.author.startswith(who)), None)
            if first is not None:
                latency[who].append(max(0.0, round(first.done_at - row.at, 3)))
        if row.channel == Channel.TWITTER:
            mentions["received"] += 1
            if row.status != ANSWERED:
                mentions["unanswered"] += 1
            elif any(r.author.startswith("agent") for r in delivered):
                mentions["answered_by_agent"] += 1
            else:
                mentions["answered_by_bot"] += 1
    for figures in per_channel.values():
        figures["conversations"] = len(figures["conversations"])
    daily: dict[str, dict[str, int]] = {}
    day_of_hour: dict[int, str] = {}  # WIB date of each hour seen (one conversion per hour)
    for row in rows:
        if row.direction == "in":
            hour = int(row.at // HOUR)
            if hour not in day_of_hour:
                day_of_hour[hour] = dt.datetime.fromtimestamp(hour * HOUR, WIB).date().isoformat()
            counts = daily.setdefault(day_of_hour[hour], {})
            counts[row.channel] = counts.get(row.channel, 0) + 1
    return {
        "per_channel": dict(sorted(per_channel.items())),
        "daily_inbound": dict(sorted(daily.items())),
        "x_mentions": mentions,
        "first_response_seconds": {who: spread(values) for who, values in latency.items()},
        "first_response_histogram": {
            who: {label: count for label, count in histogram(values)}
            for who, values in latency.items()
        },
    }


def histogram(values: list[float]) -> list[tuple[str, int]]:
    """How many values fall in each of ``RESPONSE_BUCKETS`` (upper bounds exclusive)."""
    counts = [0] * len(RESPONSE_BUCKETS)
    for value in values:
        index = next(i for i, (upper, _) in enumerate(RESPONSE_BUCKETS) if value < upper)
        counts[index] += 1
    return [(label, count) for (_, label), count in zip(RESPONSE_BUCKETS, counts, strict=True)]


TOP_FAQ = 10


def knowledge_base_figures(
    sessions: sessionmaker, period: Period, channel: str | None
) -> dict[str, Any]:
    """Most used entries and the unanswered questions grouped for Humas; how many
    lookups were unsure (low_confidence) and how many answers were "tidak membantu".

    A question the season file answered (no entry, outcome ``answered``) counts as
    answered; lookups recorded before outcomes existed count by their entry alone.
    """

    def grouped(column, *conditions) -> Counter:
        query = (
            select(column, func.count())
            .where(KbLookup.at >= period.start, KbLookup.at < period.end, *conditions)
            .group_by(column)
        )
        if channel:
            query = query.where(KbLookup.channel == channel)
        return Counter(dict(session.execute(query).all()))

    no_answer = and_(
        KbLookup.faq_id.is_(None), or_(KbLookup.outcome.is_(None), KbLookup.outcome != KB_ANSWERED)
    )
    with sessions() as session:
        used = grouped(KbLookup.faq_id)
        lookups = used.total()
        used.pop(None, 0)
        unanswered = grouped(no_answer)[True]
        asked = grouped(KbLookup.text, no_answer) if unanswered else Counter()
        low_confidence = grouped(KbLookup.outcome)[LOW_CONFIDENCE]
        unhelpful = grouped(KbLookup.feedback)[UNHELPFUL]
    top = sorted(used.items(), key=lambda item: (-item[1], item[0]))[:TOP_FAQ]
    return {
        "lookups": lookups,
        "answered": lookups - unanswered,
        "unanswered": unanswered,
        "low_confidence": low_confidence,
        "unhelpful": unhelpful,
        "top_entries": [{"id": faq_id, "count": n} for faq_id, n in top],
        "unanswered_clusters": cluster_questions(asked),
    }


def containment(sessions: sessionmaker, period: Period, channel: str | None) -> dict[str, Any]:
    """Conversations settled without a case: 1 - escalated / conversations."""
    conversations_query = select(Message.channel, Message.conversation_id).where(
        Message.direction == "in", Message.at >= period.start, Message.at < period.end
    )
    cases_query = select(Case.channel, Case.conversation_id).where(
        Case.received_at >= period.start, Case.received_at < period.end
    )
    if channel:
        conversations_query = conversations_query.where(Message.channel == channel)
        cases_query = cases_query.where(Case.channel == channel)
    conversations = conversations_query.distinct().subquery()
    cases = cases_query.distinct().subquery()
    escalated = cases.join(
        conversations,
        and_(
            cases.c.channel == conversations.c.channel,
            cases.c.conversation_id == conversations.c.conversation_id,
        ),
    )
    with sessions() as session:
        total = session.execute(select(func.count()).select_from(conversations)).scalar_one()
        escalated_count = session.execute(select(func.count()).select_from(escalated)).scalar_one()
    return {
        "conversations": total,
        "escalated": escalated_count,
        "containment": round(1 - escalated_count / total, 4) if total else None,
    }


def build_report(
    ledger: Ledger, sessions: sessionmaker, period: Period, channel: str | None = None
) -> dict[str, Any]:
    messages = message_figures(sessions, period, channel)
    messages["containment"] = containment(sessions, period, channel)
    return {
        "period": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
        "channel": channel,
        "messages": messages,
        "knowledge_base": knowledge_base_figures(sessions, period, channel),
        "cases": case_figures(ledger, sessions, period, channel),
    }
