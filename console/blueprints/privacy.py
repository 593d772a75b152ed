"""Supervisors' page for applicants' erasure requests (UU 27/2022): /admin/privasi.

Find the conversation (by ticket, or channel and user id), check what it holds,
confirm with a reason, and see what was erased per store. The erasure itself is
bot/erasure.py; every request is written to the privacy audit.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.conversations import CHANNELS
from bot.erasure import ErasureRefused, conversation_of_ticket, erase, preview, subject
from bot.privacy_audit import counts_of, recent
from console.web import back, db, field, me, render, require_supervisor, services_of

privacy = Blueprint("privacy", url_prefix="/admin/privasi")
PAGE = "/admin/privasi"
STORE_WORDS = {
    "outbox": "Antrean berkas (outbox)",
    "tracker_events": "Riwayat percakapan Rasa",
    "kb_lookups": "Pertanyaan ke basis pengetahuan",
    "cases": "Kasus",
    "case_events": "Riwayat kasus (balasan, catatan)",
    "deliveries": "Kiriman petugas",
    "messages": "Log pesan",
    "outbox_rejected": "Berkas outbox yang ditolak",
    "announcements": "Langganan dan penerima pengumuman",
}


def _page(request: Request, **context) -> HTTPResponse:
    return render(
        request, "privacy.html", channels=sorted(CHANNELS), store_words=STORE_WORDS, **context
    )


@privacy.get("")
async def privacy_page(request: Request) -> HTTPResponse:
    require_supervisor(request)
    services = services_of(request)
    ticket = (request.args.get("tiket") or "").strip()[:40]
    channel, user = "", ""
    if ticket:
        found = await db(request, conversation_of_ticket, services, ticket)
        if found is None:
            return back(PAGE, err="Tiket tidak ditemukan atau datanya sudah dihapus.")
        channel, user = found
    audits = await db(request, recent, services.sessions)
    return _page(
        request,
        channel=channel,
        user=user,
        ticket=ticket,
        audits=[(row, counts_of(row)) for row in audits],
    )


@privacy.post("/periksa")
async def check(request: Request) -> HTTPResponse:
    require_supervisor(request)
    try:
        conversation = subject(field(request.form, "channel"), field(request.form, "user"))
    except ErasureRefused as error:
        return back(PAGE, err=str(error))
    shown = await db(request, preview, services_of(request), conversation)
    return _page(request, confirm=shown, channel=conversation.split(":", 1)[0])


@privacy.post("/hapus")
async def erase_request(request: Request) -> HTTPResponse:
    require_supervisor(request)
    form = request.form
    if field(form, "confirm") != "ya":
        return back(PAGE, err="Centang konfirmasi untuk menghapus.")
    try:
        result = await db(
            request,
            erase,
            services_of(request),
            field(form, "channel"),
            field(form, "user"),
            me(request).username,
            field(form, "reason"),
        )
    except ErasureRefused as error:
        return back(PAGE, err=str(error))
    return _page(request, done=result)
