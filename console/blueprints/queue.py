"""The queue: one page of cases, filtered and searched in the database, and its JSON
for polling."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.ledger.lifecycle import Status
from bot.ledger.queue import ANYONE, MINE, OPEN, UNASSIGNED, QueueFilter, QueuePage
from bot.services import Services
from bot.topics import load_topics
from console.views import QueueRow, queue_rows
from console.web import db, me, render, require_case_desk, services_of

# Query parameters of the queue page (all optional), each at most this long.
FILTERS = ("status", "topic", "channel", "unit", "petugas", "lewat", "cari", "teks")
MAX_FILTER_CHARS = 100
HOLDERS = {"saya": MINE, "belum": UNASSIGNED}

queue = Blueprint("queue")


def filters_of(request: Request) -> dict[str, str]:
    return {
        key: request.args.get(key, "")[:MAX_FILTER_CHARS]
        for key in FILTERS
        if request.args.get(key)
    }


def wanted_of(filters: dict[str, str]) -> QueueFilter:
    status = filters.get("status", "")
    return QueueFilter(
        status=status if status in {s.value for s in Status} else OPEN,
        topic=filters.get("topic") or None,
        channel=filters.get("channel") or None,
        unit=filters.get("unit") or None,
        assignee=HOLDERS.get(filters.get("petugas", ""), ANYONE),
        breached=filters.get("lewat") == "1",
        search=filters.get("cari", ""),
        text=filters.get("teks", ""),
    )


def page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.args.get("halaman", "1")), 100_000))
    except ValueError:
        return 1


def current_page(
    services: Services, agent_id: int, filters: dict[str, str], number: int
) -> tuple[QueuePage, list[QueueRow]]:
    """One page of the queue and its rows as the console shows them."""
    page = services.ledger.queue(wanted_of(filters), agent_id, number)
    names = {agent.id: agent.display_name for agent in services.agents.list()}
    now = dt.datetime.now(dt.timezone.utc)
    return page, queue_rows(page, agent_id, now, names)


@queue.get("/")
async def queue_page(request: Request) -> HTTPResponse:
    if me(request).role == "humas":
        return response.redirect("/humas/saran")
    require_case_desk(request)
    services = services_of(request)
    filters = filters_of(request)
    page, rows = await db(
        request, current_page, services, me(request).id, filters, page_number(request)
    )
    return render(
        request,
        "queue.html",
        rows=rows,
        page=page,
        filters=filters,
        page_link=lambda number: "/?" + urlencode({**filters, "halaman": number}),
        topics=load_topics(),
        units=await db(request, services.units.list),
    )


@queue.get("/api/antrean")
async def queue_json(request: Request) -> HTTPResponse:
    require_case_desk(request)
    services = services_of(request)
    _, rows = await db(
        request,
        current_page,
        services,
        me(request).id,
        filters_of(request),
        page_number(request),
    )
    return response.json([row.as_dict() for row in rows])
