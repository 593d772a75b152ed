"""The queue of open cases: the page and its JSON for polling."""

from __future__ import annotations

import datetime as dt

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.services import Services
from bot.topics import load_topics
from console.views import QueueRow, queue_rows
from console.web import db, me, render, services_of

FILTERS = ("status", "topic", "channel", "unit", "mine")

queue = Blueprint("queue")


def filters_of(request: Request) -> dict[str, str]:
    return {key: request.args.get(key, "") for key in FILTERS if request.args.get(key)}


def current_rows(services: Services, agent_id: int, filters: dict[str, str]) -> list[QueueRow]:
    ledger = services.ledger
    now = dt.datetime.now(dt.timezone.utc)
    return queue_rows(ledger, ledger.open_cases(), agent_id, now, filters)


@queue.get("/")
async def queue_page(request: Request) -> HTTPResponse:
    services = services_of(request)
    filters = filters_of(request)
    rows = await db(request, current_rows, services, me(request).id, filters)
    return render(
        request,
        "queue.html",
        rows=rows,
        filters=filters,
        topics=load_topics(),
        units=await db(request, services.units.list),
    )


@queue.get("/api/antrean")
async def queue_json(request: Request) -> HTTPResponse:
    services = services_of(request)
    rows = await db(request, current_rows, services, me(request).id, filters_of(request))
    return response.json([row.as_dict() for row in rows])
