"""The agents' console: one Sanic app over the case desk, split into blueprints.

Every page needs a session cookie (else: redirect to /masuk); supervisor pages
refuse agents (403); every POST carries the session's CSRF token (else 403).
A case is acted on by its assignee, by anyone while it is unassigned, and by
supervisors (bot/desk.py decides). Applicant text is rendered by Jinja2 with
autoescaping: always as text, with personal data redacted; NIK and contacts are
masked until an agent reveals them, which is recorded. Database and Rasa calls
run in two thread pools of their own (console/web.py), never on the event loop.
Any failure becomes a short Indonesian page, never a trace.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.ledger.db import UNAVAILABLE
from bot.services import Services
from console.blueprints.admin import admin
from console.blueprints.announcements import announcements
from console.blueprints.auth import PUBLIC_PATHS, auth
from console.blueprints.cases import cases, cases_api
from console.blueprints.humas import humas
from console.blueprints.notify import notify
from console.blueprints.privacy import privacy
from console.blueprints.queue import queue
from console.blueprints.reports import reports
from console.web import (
    HERE,
    SESSION_COOKIE,
    ConsoleContext,
    Forbidden,
    console_of,
    error_page,
    field,
    same,
)

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 100_000  # the console's forms are small; anything bigger is refused (413)
DELIVERY_RETRY_SECONDS = 15.0
ERROR_MESSAGES = {
    400: "Permintaan tidak bisa dibaca.",
    403: "Akses ditolak.",
    404: "Halaman tidak ditemukan.",
    405: "Cara akses ini tidak didukung untuk halaman ini.",
    408: "Permintaan terlalu lama.",
    413: "Isian terlalu besar.",
    503: "Basis data sedang tidak bisa dihubungi. Coba lagi sebentar lagi.",
}


def create_app(services: Services | None = None, name: str = "sscn_console") -> Sanic:
    """The console over ``services`` (default: this process's, from the environment)."""
    services = services or Services()
    app = Sanic(name)
    app.ctx.console = ConsoleContext.build(services)
    _configure(app, services)
    for asset in sorted((HERE / "static").iterdir()):  # each file: no directory to walk
        app.static(f"/static/{asset.name}", str(asset), name=f"static_{asset.stem}")
    for blueprint in (
        auth,
        queue,
        cases,
        cases_api,
        admin,
        reports,
        notify,
        privacy,
        announcements,
        humas,
    ):
        app.blueprint(blueprint)
    _add_middleware(app)
    _add_error_handlers(app)

    @app.after_server_start
    async def retry_deliveries(app: Sanic, _loop) -> None:
        app.add_task(_retry_deliveries_forever(app), name="delivery_retries")

    @app.before_server_stop
    async def stop_pools(app: Sanic, _loop) -> None:
        app.ctx.console.close()

    return app


async def _retry_deliveries_forever(app: Sanic) -> None:
    """Hand over what the desk still owes applicants (Rasa was down), every 15 s."""
    context: ConsoleContext = app.ctx.console
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(DELIVERY_RETRY_SECONDS)
        try:
            await loop.run_in_executor(context.rasa_pool, context.services.desk.retry_deliveries)
        except Exception:  # the next round tries again
            logger.warning("console: retrying deliveries failed", exc_info=True)


def _add_middleware(app: Sanic) -> None:
    @app.signal("http.lifecycle.exception")
    async def note_failure(request: Request, exception: BaseException) -> None:
        request.ctx.failed = True

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if getattr(request.ctx, "failed", False):
            return None  # Sanic runs this again for its error page: the error decides
        token = request.cookies.get(SESSION_COOKIE)
        context = console_of(request)
        request.ctx.session = (
            await asyncio.get_running_loop().run_in_executor(
                context.db_pool, context.services.agents.session, token
            )
            if token
            else None
        )
        if request.path in PUBLIC_PATHS or request.path.startswith("/static/"):
            return None  # the log-in form checks its own token; the rest accepts no POST
        if request.ctx.session is None:
            if request.path.startswith("/api/"):
                return response.json({"error": "not logged in"}, status=401)
            return response.redirect("/masuk")
        csrf = request.ctx.session.csrf_token
        if request.method == "POST" and not same(field(request.form, "csrf_token"), csrf):
            raise Forbidden("Formulir kedaluwarsa atau tidak sah; muat ulang halaman.")
        return None

    @app.middleware("response")
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        csp = resp.headers.get("Content-Security-Policy")
        resp.headers["Content-Security-Policy"] = (
            csp or "default-src 'self'; frame-ancestors 'none'"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"  # pages carry personal data


def _add_error_handlers(app: Sanic) -> None:
    @app.exception(Forbidden)
    async def forbidden(request: Request, error: Exception) -> HTTPResponse:
        return error_page(request.app, 403, str(error) or ERROR_MESSAGES[403])

    @app.exception(Exception)
    async def failure(request: Request, error: Exception) -> HTTPResponse:
        status, message = _status_of(error)
        if status >= 500:
            code = secrets.token_hex(4)
            logger.error(
                "console: request %s %s %r failed",
                code,
                request.method,
                request.raw_url[:300],
                exc_info=error,
            )
            message = f"{message} (kode galat: {code})"
        headers = {k: v for k, v in _headers(error).items() if k == "Allow"}
        if request.raw_url.startswith(b"/api/"):
            return response.json({"error": message}, status=status, headers=headers)
        page = error_page(request.app, status, message)
        page.headers.update(headers)
        return page


def _configure(app: Sanic, services: Services) -> None:
    """Believe X-Forwarded-For/-Proto only from configured proxies; small bodies only."""
    app.config.PROXIES_COUNT = services.settings.console_trusted_proxy or None
    app.config.REAL_IP_HEADER = None
    app.config.FORWARDED_SECRET = None
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES


def _headers(error: Exception) -> dict[str, str]:
    headers = getattr(error, "headers", None)
    return headers if isinstance(headers, dict) else {}


def _status_of(error: Exception) -> tuple[int, str]:
    """The HTTP status and Indonesian message for an exception no route handled."""
    if isinstance(error, UNAVAILABLE):
        return 503, ERROR_MESSAGES[503]
    status = getattr(error, "status_code", 500) if isinstance(error, SanicException) else 500
    if not isinstance(status, int) or not 400 <= status <= 599:
        status = 500
    fallback = "Terjadi kesalahan di server. Coba lagi sebentar lagi."
    return status, ERROR_MESSAGES.get(status, fallback if status >= 500 else ERROR_MESSAGES[400])
