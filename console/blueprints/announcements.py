"""Humas's announcement pages: compose, preview, send to Telegram subscribers, follow
the progress, pause, resume, cancel; and the console's sending loop.

The sending itself is done by ``bot.announcements.sending.BroadcastWorker`` in a
background task of the console process (a started broadcast is picked up within
``POLL_SECONDS``); ``sscn broadcast resume`` runs the same worker elsewhere.
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.announcements.broadcasts import DRAFT, BroadcastError, BroadcastView
from bot.announcements.message import MAX_TELEGRAM_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS
from console.web import back, db, field, me, render, require_humas, services_of

logger = logging.getLogger(__name__)
POLL_SECONDS = 2.0
MAX_ID = 2**31 - 1
PAGE = "/humas/pengumuman"
MOVES = {
    "jeda": ("pause", "Pengiriman dijeda.", "Hanya pengumuman yang sedang dikirim bisa dijeda."),
    "lanjutkan": ("resume", "Pengiriman dilanjutkan.", "Pengumuman ini tidak sedang dijeda."),
    "batalkan": ("cancel", "Pengumuman dibatalkan.", "Pengumuman ini sudah selesai."),
}

announcements = Blueprint("announcements")


class NotFound(Exception):
    """A broadcast id that does not exist (or could not)."""


async def _broadcast(request: Request, broadcast_id: int) -> BroadcastView:
    view = None
    if 0 < broadcast_id <= MAX_ID:
        view = await db(request, services_of(request).broadcasts.get, broadcast_id)
    if view is None:
        raise NotFound
    return view


@announcements.exception(NotFound)
async def not_found(request: Request, _: Exception) -> HTTPResponse:
    if request.path.startswith("/api/"):
        return response.json({"error": "Pengumuman tidak ditemukan."}, status=404)
    return render(request, "error.html", 404, title="Pengumuman", message="Pengumuman tidak ada.")


@announcements.get(PAGE)
async def list_page(request: Request) -> HTTPResponse:
    require_humas(request)
    services = services_of(request)
    views = await db(request, services.broadcasts.list)
    subscribers = await db(request, services.subscriptions.active_count)
    return render(
        request,
        "announcements.html",
        broadcasts=views,
        subscribers=subscribers,
        max_text=MAX_TEXT_CHARS,
        max_title=MAX_TITLE_CHARS,
        draft={"title": "", "text": "", "kb_entry_id": ""},
    )


@announcements.post(PAGE)
async def compose(request: Request) -> HTTPResponse:
    require_humas(request)
    services = services_of(request)
    form = request.form
    title, text, entry = field(form, "title"), field(form, "text"), field(form, "kb_entry_id")
    try:
        view = await db(
            request, services.broadcasts.compose, title, text, entry, me(request).username
        )
    except BroadcastError as error:
        views = await db(request, services.broadcasts.list)
        subscribers = await db(request, services.subscriptions.active_count)
        return render(
            request,
            "announcements.html",
            400,
            broadcasts=views,
            subscribers=subscribers,
            max_text=MAX_TEXT_CHARS,
            max_title=MAX_TITLE_CHARS,
            draft={"title": title[:300], "text": text[:5000], "kb_entry_id": entry[:100]},
            form_error=str(error),
        )
    return back(f"{PAGE}/{view.id}", ok="Draf disimpan. Periksa pratinjau sebelum mengirim.")


@announcements.get(f"{PAGE}/<broadcast_id:int>")
async def broadcast_page(request: Request, broadcast_id: int) -> HTTPResponse:
    require_humas(request)
    services = services_of(request)
    view = await _broadcast(request, broadcast_id)
    message = await db(request, services.broadcasts.rendered, view)
    subscribers = await db(request, services.subscriptions.active_count)
    errors = await db(request, services.broadcasts.errors, broadcast_id)
    return render(
        request,
        "announcement.html",
        b=view,
        message=message,
        subscribers=subscribers,
        errors=errors,
        max_chars=MAX_TELEGRAM_CHARS,
        telegram_ready=bool(services.settings.telegram_token),
    )


@announcements.post(f"{PAGE}/<broadcast_id:int>/kirim")
async def start(request: Request, broadcast_id: int) -> HTTPResponse:
    require_humas(request)
    services = services_of(request)
    view = await _broadcast(request, broadcast_id)
    here = f"{PAGE}/{broadcast_id}"
    if not services.settings.telegram_token:
        return back(here, err="TELEGRAM_TOKEN belum diatur: pengumuman tidak bisa dikirim.")
    if view.state != DRAFT:
        return back(here, err="Pengumuman ini sudah dimulai; tidak dikirim dua kali.")
    try:
        count = await db(request, services.broadcasts.start, broadcast_id)
    except BroadcastError as error:
        return back(here, err=str(error))
    if not count:  # the other click of a double click started it
        return back(here, err="Pengumuman ini sudah dimulai; tidak dikirim dua kali.")
    return back(here, ok=f"Mulai dikirim ke {count} pelanggan.")


@announcements.post(f"{PAGE}/<broadcast_id:int>/<move:str>")
async def change(request: Request, broadcast_id: int, move: str) -> HTTPResponse:
    require_humas(request)
    await _broadcast(request, broadcast_id)
    if move not in MOVES:
        raise NotFound
    method, done, refused = MOVES[move]
    moved = await db(request, getattr(services_of(request).broadcasts, method), broadcast_id)
    here = f"{PAGE}/{broadcast_id}"
    return back(here, ok=done) if moved else back(here, err=refused)


@announcements.get("/api/pengumuman/<broadcast_id:int>")
async def progress(request: Request, broadcast_id: int) -> HTTPResponse:
    require_humas(request)
    view = await _broadcast(request, broadcast_id)
    return response.json(view.progress())


@announcements.listener("after_server_start")
async def start_sending(app: Sanic, _loop) -> None:
    app.add_task(_send_forever(app), name="announcements")


async def _send_forever(app: Sanic) -> None:
    """Send the broadcasts Humas started (and those a dead worker left), every few seconds."""
    from channels.telegram.broadcast import MissingToken, telegram_worker  # imports Rasa

    services = app.ctx.console.services
    try:
        worker = telegram_worker(services)
    except MissingToken:
        logger.warning("console: TELEGRAM_TOKEN is not set; announcements are not sent")
        return
    try:
        while True:
            try:
                for outcome in await worker.run_sendable():
                    if outcome.error:
                        logger.warning(
                            "console: announcement %s: %s", outcome.broadcast_id, outcome.error
                        )
            except Exception:  # the next round tries again
                logger.warning("console: sending announcements failed", exc_info=True)
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await worker.close()
