"""A case's page, its transcript, and every agent operation on it (through the desk).

Each POST is one desk operation run in the database pool; what it owes the
applicant is then handed to their channel in the Rasa pool, waited for at most
``DELIVERY_WAIT_SECONDS`` (the rest goes on in the background and the case page
shows it as not yet sent).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.desk import DeskRefusal, Outcome, may_act
from bot.kb.store import KnowledgeBaseError
from bot.ledger.models import Agent, Case
from bot.ledger.service import UnknownCase
from bot.privacy import mask_nik
from bot.services import Services
from bot.topics import load_topics
from bot.vocabulary import CaseEventType as Event
from channels.outbound import OutboundError
from console.views import (
    event_lines,
    mask_contact,
    redact,
    redacted_lines,
    split_contacts,
    transcript_authors,
)
from console.web import (
    back,
    db,
    field,
    me,
    rasa,
    render,
    require_case_desk,
    require_supervisor,
    services_of,
)

DELIVERY_WAIT_SECONDS = 3.0

cases = Blueprint("cases", url_prefix="/kasus")
cases_api = Blueprint("cases_api", url_prefix="/api/kasus")


@cases.middleware("request")
@cases_api.middleware("request")
async def case_desk_only(request: Request) -> None:
    """Cases are for agents and supervisors; a Humas account is refused."""
    if getattr(request.ctx, "session", None) is not None:
        require_case_desk(request)


def case_or_none(services: Services, ticket: str) -> Case | None:
    try:
        return services.ledger.get(ticket)
    except UnknownCase:
        return None


def decrypted(services: Services, token: str | None, show: Callable[[str], str]) -> str | None:
    if not token:
        return None
    try:
        return show(services.cipher.decrypt(token))
    except ValueError:
        return "(tidak bisa dibuka: kunci ledger salah)"


def case_context(services: Services, case: Case, agent: Agent) -> dict[str, Any]:
    """Everything the case page shows (no Rasa call: the transcript loads by itself),
    with personal data masked or redacted."""
    desk = services.desk
    try:
        canned = services.knowledge_base.current().entries
    except KnowledgeBaseError:
        canned = ()
    team = services.agents.list()
    names = {member.id: member.display_name for member in team}
    contacts = decrypted(
        services,
        case.contact_encrypted,
        lambda clear: ", ".join(mask_contact(c) for c in split_contacts(clear)),
    )
    held_by = (
        names.get(case.assigned_agent_id, "petugas lain")
        if case.assigned_agent_id not in (None, agent.id)
        else None
    )
    return {
        "case": case,
        "held_by": held_by,
        "duplicate_of": next(
            (e.new for e in reversed(case.events) if e.type == Event.DUPLICATE_OF), None
        ),
        "merged": [
            {"ticket": merged.ticket, "summary": redact(merged.summary)}
            for merged in desk.duplicates_of(case.ticket)
        ],
        "nik": decrypted(services, case.nik_encrypted, mask_nik),
        "contacts": contacts,
        "description": redact(case.description or case.summary),
        "events": event_lines(
            case.events, names, {member.username: member.display_name for member in team}
        ),
        "assignee": names.get(case.assigned_agent_id),
        "may_act": may_act(agent, case),
        "team": [member for member in team if member.active],
        "due": services.ledger.sla_due(case),
        "clocks": services.ledger.clocks(case),
        "breached": services.ledger.is_breached(case),
        "owed": desk.owed(case),
        "units": services.units.list(),
        "topics": load_topics(),
        "canned": canned,
    }


@cases.get("/<ticket>")
async def case_page(request: Request, ticket: str) -> HTTPResponse:
    services = services_of(request)
    case = await db(request, case_or_none, services, ticket)
    if case is None:
        return render(request, "error.html", 404, title="Tidak ditemukan", message=ticket[:40])
    context = await db(request, case_context, services, case, me(request))
    return render(request, "case.html", **context)


def transcript_of(services: Services, case: Case) -> list[dict[str, Any]]:
    names = {f"agent:{a.username}": a.display_name for a in services.agents.list()}
    lines = services.outbound.transcript(case.conversation_id)
    return transcript_authors(redacted_lines(lines), names)


@cases_api.get("/<ticket>/transkrip")
async def transcript_json(request: Request, ticket: str) -> HTTPResponse:
    services = services_of(request)
    case = await db(request, case_or_none, services, ticket)
    if case is None:
        return response.json({"error": "not found"}, status=404)
    try:
        lines = await rasa(request, transcript_of, services, case)
    except OutboundError as error:
        return response.json({"error": f"Transkrip tidak bisa dibuka: {error}"}, status=502)
    return response.json(lines)


async def operate(request: Request, ticket: str, work: Callable[..., Outcome]) -> HTTPResponse:
    """Run one desk operation, hand over what it owes, come back with a notice."""
    services = services_of(request)
    try:
        outcome = await db(request, work, services.desk)
    except UnknownCase:
        return back("/", err=f"Kasus {ticket[:40]} tidak ditemukan.")
    except DeskRefusal as error:
        return back(f"/kasus/{ticket}", err=str(error))
    if outcome.conversation_id is not None:
        delivery = asyncio.ensure_future(rasa(request, services.desk.deliver, outcome))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(delivery), DELIVERY_WAIT_SECONDS)
        except asyncio.TimeoutError:
            return back(
                f"/kasus/{ticket}",
                ok=f"{outcome.message} Pesan ke pemohon sedang dikirim.",
            )
    if outcome.undelivered:
        return back(f"/kasus/{ticket}", err=outcome.notice)
    return back(f"/kasus/{ticket}", ok=outcome.message)


@cases.post("/<ticket>/ambil-alih")
async def take_over(request: Request, ticket: str) -> HTTPResponse:
    agent = me(request)
    return await operate(request, ticket, lambda desk: desk.take_over(ticket, agent))


@cases.post("/<ticket>/kembalikan")
async def hand_back(request: Request, ticket: str) -> HTTPResponse:
    agent = me(request)
    return await operate(request, ticket, lambda desk: desk.hand_back(ticket, agent))


@cases.post("/<ticket>/tugaskan")
async def reassign(request: Request, ticket: str) -> HTTPResponse:
    require_supervisor(request)
    agent, username = me(request), field(request.form, "agent")
    return await operate(request, ticket, lambda desk: desk.reassign(ticket, agent, username))


@cases.post("/<ticket>/balas")
async def reply(request: Request, ticket: str) -> HTTPResponse:
    agent, text = me(request), field(request.form, "text")
    return await operate(request, ticket, lambda desk: desk.reply(ticket, agent, text))


@cases.post("/<ticket>/catatan")
async def note(request: Request, ticket: str) -> HTTPResponse:
    agent, text = me(request), field(request.form, "text")
    return await operate(request, ticket, lambda desk: desk.note(ticket, agent, text))


@cases.post("/<ticket>/status")
async def change_status(request: Request, ticket: str) -> HTTPResponse:
    agent, form = me(request), request.form
    status, reason = field(form, "status"), field(form, "reason")
    return await operate(
        request, ticket, lambda desk: desk.change_status(ticket, agent, status, reason)
    )


@cases.post("/<ticket>/duplikat")
async def mark_duplicate(request: Request, ticket: str) -> HTTPResponse:
    agent, original = me(request), field(request.form, "original")
    return await operate(request, ticket, lambda desk: desk.mark_duplicate(ticket, agent, original))


@cases.post("/<ticket>/teruskan")
async def forward(request: Request, ticket: str) -> HTTPResponse:
    agent, unit = me(request), field(request.form, "unit")
    return await operate(request, ticket, lambda desk: desk.forward(ticket, agent, unit))


@cases.post("/<ticket>/selesaikan")
async def resolve(request: Request, ticket: str) -> HTTPResponse:
    agent, text = me(request), field(request.form, "text")
    return await operate(request, ticket, lambda desk: desk.resolve(ticket, agent, text))


@cases.post("/<ticket>/kirim-ulang")
async def retry(request: Request, ticket: str) -> HTTPResponse:
    services = services_of(request)
    try:
        owed = await rasa(request, services.desk.retry_deliveries, ticket)
    except UnknownCase:
        return back("/", err=f"Kasus {ticket[:40]} tidak ditemukan.")
    if owed:
        return back(f"/kasus/{ticket}", err=f"{owed} pesan/aksi masih belum terkirim.")
    return back(f"/kasus/{ticket}", ok="Semua pesan sudah terkirim.")


async def reveal_page(request: Request, ticket: str, what: str, label: str) -> HTTPResponse:
    services, agent = services_of(request), me(request)
    try:
        value = await db(request, services.desk.reveal, ticket, agent, what)
        case = await db(request, case_or_none, services, ticket)
    except UnknownCase:
        return back("/", err="Kasus tidak ditemukan.")
    except DeskRefusal as error:
        return back(f"/kasus/{ticket}", err=str(error))
    return render(request, "reveal.html", case=case, label=label, value=value)


@cases.post("/<ticket>/nik")
async def reveal_nik(request: Request, ticket: str) -> HTTPResponse:
    return await reveal_page(request, ticket, "nik", "NIK")


@cases.post("/<ticket>/kontak")
async def reveal_contacts(request: Request, ticket: str) -> HTTPResponse:
    return await reveal_page(request, ticket, "contact", "Kontak")
