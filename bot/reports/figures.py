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

from sqlalchemy import select
from sqlalchemy.orm import selectinload, sessionmaker

from bot.ledger.calendar import WIB
from bot.ledger.lifecycle import Status
from bot.ledger.metrics import case_timings, rtl_days
from bot.ledger.models import Case, KbLookup, Message
from bot.ledger.service import Ledger
from bot.reports.clusters import cluster_questions
from bot.reports.ikm import ikm
from bot.topics import load_lapor_types, load_topics

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


def case_figures(
    ledger: Ledger, sessions: sessionmaker, period: Period, channel: str | None
) -> dict[str, Any]:
    query = (
        select(Case)
        .options(selectinload(Case.events))
        .where(Case.received_at >= period.start, Case.received_at < period.end)
        .order_by(Case.received_at, Case.id)
    )
    if channel:
        query = query.where(Case.channel == channel)
    with sessions() as session:
        cases = list(session.execute(query).scalars())
    timings = [case_timings(case, ledger.calendar) for case in cases]
    statuses = Counter(case.status for case in cases)
    breached = [case for case in cases if ledger.is_breached(case)]
    lapor = Counter(case.lapor_type for case in cases if case.lapor_type)
    topics = Counter(case.sscn_topic for case in cases if case.sscn_topic)

    def hours(attr: str, kind: str) -> dict[str, float | None]:
        values = [
            getattr(getattr(t, attr), f"{kind}_seconds") / HOUR for t in timings if getattr(t, attr)
        ]
        return spread(values)

    rating = ikm(case.csat_rating for case in cases if case.csat_rating)
    return {
        "cases": len(cases),
        "by_kind": dict(sorted(Counter(case.kind for case in cases).items())),
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
                    "received_at": c.received_at.astimezone(WIB).isoformat(),
                }
                for c in breached
            ],
        },
        "rtl_days": rtl_days(timings),
        "first_human_response_hours": {
            "calendar": hours("first_human_response", "calendar"),
            "working": hours("first_human_response", "working"),
        },
        "resolution_hours": {
            "calendar": hours("resolution", "calendar"),
            "working": hours("resolution", "working"),
        },
        "ikm": rating.__dict__ if rating else None,
    }


def message_figures(sessions: sessionmaker, period: Period, channel: str | None) -> dict[str, Any]:
    query = select(Message).where(Message.at >= period.start, Message.at < period.end)
    if channel:
        query = query.where(Message.channel == channel)
    with sessions() as session:
        rows = list(session.execute(query).scalars())
        inbound_ids = [r.id for r in rows if r.direction == "in"]
        replies = (
            list(
                session.execute(
                    select(Message).where(
                        Message.reply_to_id.in_(inbound_ids), Message.direction == "out"
                    )
                ).scalars()
            )
            if inbound_ids
            else []
        )
    by_inbound: dict[int, list[Message]] = {}
    for reply in replies:
        by_inbound.setdefault(reply.reply_to_id, []).append(reply)
    per_channel: dict[str, dict[str, Any]] = {}
    latency: dict[str, list[float]] = {"bot": [], "agent": []}
    mentions = {"received": 0, "answered_by_bot": 0, "answered_by_agent": 0, "unanswered": 0}
    for row in rows:
        figures = per_channel.setdefault(
            row.channel,
            {"inbound": 0, "conversations": set(), "replies_bot": 0, "replies_agent": 0},
        )
        if row.direction == "out":
            figures["replies_agent" if row.author.startswith("agent") else "replies_bot"] += 1
            continue
        figures["inbound"] += 1
        figures["conversations"].add(row.conversation_id)
        delivered = sorted(
            (r for r in by_inbound.get(row.id, []) if r.done_at and r.status in ("sent", "posted")),
            key=lambda r: r.done_at,
        )
        for who in ("bot", "agent"):
            first = next((r for r in delivered if r.author.startswith(who)), None)
            if first is not None:
                latency[who].append(max(0.0, (first.done_at - row.at).total_seconds()))
        if row.channel == "twitter":
            mentions["received"] += 1
            if row.status != "answered":
                mentions["unanswered"] += 1
            elif any(r.author.startswith("agent") for r in delivered):
                mentions["answered_by_agent"] += 1
            else:
                mentions["answered_by_bot"] += 1
    for figures in per_channel.values():
        figures["conversations"] = len(figures["conversations"])
    daily: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.direction == "in":
            day = row.at.astimezone(WIB).date().isoformat()
            daily.setdefault(day, {}).setdefault(row.channel, 0)
            daily[day][row.channel] += 1
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
    """Most used entries and the unanswered questions grouped for Humas."""
    query = select(KbLookup).where(KbLookup.at >= period.start, KbLookup.at < period.end)
    if channel:
        query = query.where(KbLookup.channel == channel)
    with sessions() as session:
        lookups = list(session.execute(query).scalars())
    used = Counter(lookup.faq_id for lookup in lookups if lookup.faq_id)
    unanswered = [lookup.text or "" for lookup in lookups if not lookup.faq_id]
    return {
        "lookups": len(lookups),
        "answered": sum(used.values()),
        "unanswered": len(unanswered),
        "top_entries": [{"id": faq_id, "count": n} for faq_id, n in used.most_common(TOP_FAQ)],
        "unanswered_clusters": cluster_questions(unanswered),
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
    with sessions() as session:
        conversations = set(session.execute(conversations_query).all())
        escalated = set(session.execute(cases_query).all())
    total = len(conversations)
    settled = total - len(conversations & escalated)
    return {
        "conversations": total,
        "escalated": total - settled,
        "containment": round(settled / total, 4) if total else None,
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
