"""Routes of the agents' console.

Every page needs a session cookie (else: redirect to /masuk); supervisor pages
refuse agents (403); every POST carries the session's CSRF token (else 403).
A case is acted on by its assignee, by anyone while it is unassigned, and by
supervisors. Applicant text is rendered by Jinja2 with autoescaping: always as
text, with personal data redacted; NIK and contacts are masked until an agent
reveals them, which is recorded. Database and Rasa calls run in threads, off
the event loop. Any failure becomes a short Indonesian page, never a trace.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agents import AccountError, AgentStore
from bot.kb.store import KnowledgeBaseError
from bot.ledger.calendar import WIB
from bot.ledger.crypto import cipher_from_env
from bot.ledger.db import UNAVAILABLE, make_engine, make_sessionmaker
from bot.ledger.lifecycle import IllegalTransition, Status
from bot.ledger.models import Agent, Case, Unit
from bot.ledger.service import Ledger, UnknownCase
from bot.privacy import mask_nik
from bot.reports import REPORT_CHANNELS
from bot.reports.figures import Period, build_report
from bot.reports.render import as_csv, as_html, as_json
from bot.services import Services
from bot.topics import load_topics
from channels.outbound import Outbound, OutboundError
from console.assignment import NotYours, check_may_act, claim, may_act, refusal
from console.views import (
    RATING_LABELS,
    local,
    mask_contact,
    queue_rows,
    redact,
    redacted_lines,
    split_contacts,
)

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_COOKIE = "sscn_session"
LOGIN_CSRF_COOKIE = "sscn_login_csrf"
MAX_REPLY_CHARS = 2000
MAX_NOTICE_CHARS = 300
MAX_BODY_BYTES = 100_000  # the console's forms are small; anything bigger is refused (413)
REPORT_DATES = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
WRONG_LOGIN = "Nama pengguna atau kata sandi salah."
RATING_REQUEST = "Bagaimana penilaian Anda atas layanan kami?"
RATING_BUTTONS = [
    {"title": label, "payload": f'/rate{{"csat_rating":"{value}"}}'}
    for value, label in RATING_LABELS.items()
]
ERROR_MESSAGES = {
    400: "Permintaan tidak bisa dibaca.",
    403: "Akses ditolak.",
    404: "Halaman tidak ditemukan.",
    405: "Cara akses ini tidak didukung untuk halaman ini.",
    408: "Permintaan terlalu lama.",
    413: "Isian terlalu besar.",
    503: "Basis data sedang tidak bisa dihubungi. Coba lagi sebentar lagi.",
}


@dataclass(frozen=True)
class ConsoleSettings:
    rasa_url: str
    rasa_token: str
    secure_cookies: bool
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* we believe

    @classmethod
    def from_env(cls) -> ConsoleSettings:
        return cls(
            os.environ.get("SSCN_RASA_URL", "http://127.0.0.1:5005"),
            os.environ.get("SSCN_RASA_AUTH_TOKEN", ""),
            os.environ.get("SSCN_CONSOLE_SECURE_COOKIES", "0") == "1",
            int(os.environ.get("SSCN_CONSOLE_TRUSTED_PROXY", "0") or 0),
        )


class Forbidden(Exception):
    """Missing CSRF token or a page above the agent's role."""


def create_app(settings: ConsoleSettings | None = None, name: str = "sscn_console") -> Sanic:
    settings = settings or ConsoleSettings.from_env()
    sessions = make_sessionmaker(make_engine())
    cipher = cipher_from_env()
    ledger = Ledger(sessions, cipher)
    agents = AgentStore(sessions)
    outbound = Outbound(settings.rasa_url, settings.rasa_token)
    services = Services()
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )
    templates.globals.update(local=local, ratings=RATING_LABELS)
    app = Sanic(name)
    _configure(app, settings)
    for asset in sorted((HERE / "static").iterdir()):  # each file: no directory to walk
        app.static(f"/static/{asset.name}", str(asset), name=f"static_{asset.stem}")

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
        session = getattr(request.ctx, "session", None)
        page = templates.get_template(template).render(
            me=session.agent if session else None,
            csrf=session.csrf_token if session else "",
            notice=request.args.get("ok", "")[:MAX_NOTICE_CHARS],
            error=request.args.get("err", "")[:MAX_NOTICE_CHARS],
            **context,
        )
        return response.html(page, status=status)

    def error_page(status: int, message: str) -> HTTPResponse:
        page = templates.get_template("error.html").render(
            me=None, csrf="", notice="", error="", title="Galat", message=message
        )
        return response.html(page, status=status)

    def back(path: str, ok: str = "", err: str = "") -> HTTPResponse:
        query = urlencode({k: v for k, v in (("ok", ok), ("err", err)) if v})
        return response.redirect(f"{path}?{query}" if query else path)

    def set_cookie(page: HTTPResponse, request: Request, name: str, value: str) -> None:
        page.cookies[name] = value
        cookie = page.cookies[name]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        if settings.secure_cookies or request.scheme == "https":
            cookie["secure"] = True

    @app.signal("http.lifecycle.exception")
    async def note_failure(request: Request, exception: BaseException) -> None:
        request.ctx.failed = True

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if getattr(request.ctx, "failed", False):
            return None  # Sanic runs this again for its error page: the error decides
        token = request.cookies.get(SESSION_COOKIE)
        request.ctx.session = await asyncio.to_thread(agents.session, token) if token else None
        public = request.path in ("/masuk", "/health", "/favicon.ico") or request.path.startswith(
            "/static/"
        )
        if public:
            return None  # the log-in form checks its own token; the rest accepts no POST
        if request.ctx.session is None:
            if request.path.startswith("/api/"):
                return response.json({"error": "not logged in"}, status=401)
            return response.redirect("/masuk")
        csrf = request.ctx.session.csrf_token
        if request.method == "POST" and not _same(field(request.form, "csrf_token"), csrf):
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

    @app.exception(Forbidden)
    async def forbidden(request: Request, error: Exception) -> HTTPResponse:
        return error_page(403, str(error) or ERROR_MESSAGES[403])

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
        page = error_page(status, message)
        page.headers.update(headers)
        return page

    def supervisor(request: Request) -> None:
        if request.ctx.session.agent.role != "supervisor":
            raise Forbidden("Halaman ini khusus supervisor.")

    def me(request: Request) -> Agent:
        return request.ctx.session.agent

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/masuk")
    async def login_page(request: Request) -> HTTPResponse:
        # Reuse the cookie's token: a second tab (or the favicon's redirect) must not
        # invalidate the form already on screen.
        existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        token = (
            existing if len(existing) >= 32 and existing.isascii() else secrets.token_urlsafe(24)
        )
        page = render(request, "login.html", login_csrf=token)
        set_cookie(page, request, LOGIN_CSRF_COOKIE, token)
        return page

    @app.post("/masuk")
    async def login(request: Request) -> HTTPResponse:
        form = request.form
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not _same(cookie, field(form, "csrf_token")):
            raise Forbidden("Formulir kedaluwarsa; muat ulang halaman masuk.")
        result = await asyncio.to_thread(
            agents.log_in, field(form, "username"), field(form, "password"), _source(request)
        )
        if result.agent is None:
            err = _wait_message(result.retry_after) if result.retry_after else WRONG_LOGIN
            return back("/masuk", err=err)
        page = response.redirect("/")
        set_cookie(page, request, SESSION_COOKIE, result.token)
        return page

    @app.post("/keluar")
    async def logout(request: Request) -> HTTPResponse:
        await asyncio.to_thread(agents.log_out, request.cookies.get(SESSION_COOKIE))
        page = response.redirect("/masuk")
        set_cookie(page, request, SESSION_COOKIE, "")
        page.cookies[SESSION_COOKIE]["max-age"] = 0
        return page

    def filters_of(request: Request) -> dict[str, str]:
        keys = ("status", "topic", "channel", "unit", "mine")
        return {key: request.args.get(key, "") for key in keys if request.args.get(key)}

    def current_rows(agent_id: int, filters: dict[str, str]) -> list:
        now = dt.datetime.now(dt.timezone.utc)
        return queue_rows(ledger, ledger.open_cases(), agent_id, now, filters)

    @app.get("/")
    async def queue(request: Request) -> HTTPResponse:
        filters = filters_of(request)
        rows = await asyncio.to_thread(current_rows, me(request).id, filters)
        return render(
            request,
            "queue.html",
            rows=rows,
            filters=filters,
            statuses=[s.value for s in Status],
            topics=load_topics(),
            units=await asyncio.to_thread(_units, sessions),
        )

    @app.get("/api/antrean")
    async def queue_json(request: Request) -> HTTPResponse:
        rows = await asyncio.to_thread(current_rows, me(request).id, filters_of(request))
        return response.json([row.as_dict() for row in rows])

    def case_or_none(ticket: str) -> Case | None:
        try:
            return ledger.get(ticket)
        except UnknownCase:
            return None

    def transcript_of(case: Case) -> tuple[list[dict[str, Any]], str]:
        try:
            return redacted_lines(outbound.transcript(case.conversation_id)), ""
        except OutboundError as error:
            return [], f"Transkrip tidak bisa dibuka: {error}"

    def decrypted(token: str | None, show: Callable[[str], str]) -> str | None:
        if not token:
            return None
        try:
            return show(cipher.decrypt(token))
        except ValueError:
            return "(tidak bisa dibuka: kunci ledger salah)"

    def case_context(case: Case, agent: Agent) -> dict[str, Any]:
        """Everything the case page shows, with personal data masked or redacted."""
        transcript, notice = transcript_of(case)
        try:
            canned = services.knowledge_base.current().entries
        except KnowledgeBaseError:
            canned = ()
        team = agents.list()
        names = {member.id: member.display_name for member in team}
        contacts = decrypted(
            case.contact_encrypted,
            lambda clear: ", ".join(mask_contact(c) for c in split_contacts(clear)),
        )
        return {
            "case": case,
            "nik": decrypted(case.nik_encrypted, mask_nik),
            "contacts": contacts,
            "description": redact(case.description or case.summary),
            "events": [
                (local(e.at), e.actor, e.type, redact(e.old), redact(e.new)) for e in case.events
            ],
            "assignee": names.get(case.assigned_agent_id),
            "may_act": may_act(agent, case),
            "team": [member for member in team if member.active],
            "due": local(ledger.sla_due(case)),
            "breached": ledger.is_breached(case),
            "transcript": transcript,
            "transcript_notice": notice,
            "statuses": [s.value for s in Status],
            "units": _units(sessions),
            "topics": load_topics(),
            "canned": canned,
        }

    @app.get("/kasus/<ticket>")
    async def case_page(request: Request, ticket: str) -> HTTPResponse:
        case = await asyncio.to_thread(case_or_none, ticket)
        if case is None:
            return render(request, "error.html", 404, title="Tidak ditemukan", message=ticket)
        context = await asyncio.to_thread(case_context, case, me(request))
        return render(request, "case.html", **context)

    @app.get("/api/kasus/<ticket>/transkrip")
    async def transcript_json(request: Request, ticket: str) -> HTTPResponse:
        case = await asyncio.to_thread(case_or_none, ticket)
        if case is None:
            return response.json({"error": "not found"}, status=404)
        lines, notice = await asyncio.to_thread(transcript_of, case)
        return response.json({"error": notice}, status=502) if notice else response.json(lines)

    def assignee_name(case: Case) -> str:
        agent = agents.by_id(case.assigned_agent_id) if case.assigned_agent_id else None
        return agent.display_name if agent else "petugas lain"

    def act(ticket: str, agent: Agent, form, work, owners_only: bool) -> HTTPResponse:
        """Run ``work(case, form)`` in a thread; refusals and failures become a notice."""
        case = case_or_none(ticket)
        if case is None:
            return back("/", err=f"Kasus {ticket[:40]} tidak ditemukan.")
        try:
            if owners_only:
                check_may_act(agent, case, assignee_name(case))
            ok = work(case, form)
        except (IllegalTransition, ValueError, OutboundError, NotYours, UnknownCase) as error:
            return back(f"/kasus/{case.ticket}", err=str(error))
        return back(f"/kasus/{case.ticket}", ok=ok)

    async def case_action(
        request: Request, ticket: str, work, owners_only: bool = True
    ) -> HTTPResponse:
        form = request.form
        return await asyncio.to_thread(act, ticket, me(request), form, work, owners_only)

    def text_field(form, name: str = "text") -> str:
        text = field(form, name).strip()
        if not text:
            raise ValueError("Pesan kosong.")
        if len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"Pesan terlalu panjang (maks. {MAX_REPLY_CHARS} karakter).")
        return text

    def reply_to_applicant(case: Case, agent: Agent, text: str) -> None:
        """Send on the applicant's channel and record it (the first one is the first
        human response of docs/METRICS.md)."""
        outbound.send(case.conversation_id, text, f"agent:{agent.username}")
        ledger.record(case.ticket, agent.username, "agent_reply", new=text)

    def resume_bot(case: Case, agent: Agent) -> None:
        outbound.resume(case.conversation_id)
        ledger.record(case.ticket, agent.username, "handed_back")

    def verify_if_new(case: Case, agent: Agent) -> None:
        """A case acted on is verified first (the lifecycle allows no shortcut)."""
        if case.status == Status.BELUM_DIVERIFIKASI.value:
            ledger.set_status(case.ticket, Status.BELUM_DITINDAKLANJUTI, agent.username)

    def make_mine(case: Case, agent: Agent) -> None:
        """An agent claims an unassigned case; a supervisor takes any case over."""
        if case.assigned_agent_id == agent.id:
            return
        if agent.role == "supervisor":
            ledger.assign_agent(case.ticket, agent.id, agent.username)
        elif not claim(ledger.sessions, case.ticket, agent):  # someone was quicker
            raise refusal(assignee_name(ledger.get(case.ticket)))

    @app.post("/kasus/<ticket>/ambil-alih")
    async def take_over(request: Request, ticket: str) -> HTTPResponse:
        agent = me(request)

        def work(case: Case, form) -> str:
            make_mine(case, agent)
            if case.taken_over_by == agent.username:
                return "Percakapan ini sudah Anda ambil alih."
            outbound.pause(case.conversation_id)
            outbound.send(
                case.conversation_id,
                f"Halo, saya {agent.display_name}, petugas Helpdesk BKN. Saya bantu langsung ya 🙂",
                f"agent:{agent.username}",
            )
            ledger.record(case.ticket, agent.username, "taken_over")
            return "Percakapan diambil alih; asisten otomatis berhenti menjawab."

        return await case_action(request, ticket, work)

    @app.post("/kasus/<ticket>/kembalikan")
    async def hand_back(request: Request, ticket: str) -> HTTPResponse:
        def work(case: Case, form) -> str:
            resume_bot(case, me(request))
            return "Percakapan dikembalikan ke asisten otomatis."

        return await case_action(request, ticket, work)

    @app.post("/kasus/<ticket>/tugaskan")
    async def reassign(request: Request, ticket: str) -> HTTPResponse:
        supervisor(request)

        def work(case: Case, form) -> str:
            username = field(form, "agent")
            target = agents.by_username(username) if username else None
            if username and (target is None or not target.active):
                raise ValueError("Petugas tidak dikenal atau nonaktif.")
            ledger.assign_agent(case.ticket, target.id if target else None, me(request).username)
            return f"Kasus ditugaskan ke {target.display_name}." if target else "Penugasan dilepas."

        return await case_action(request, ticket, work)

    @app.post("/kasus/<ticket>/balas")
    async def reply(request: Request, ticket: str) -> HTTPResponse:
        def work(case: Case, form) -> str:
            reply_to_applicant(case, me(request), text_field(form))
            return "Pesan terkirim."

        return await case_action(request, ticket, work)

    @app.post("/kasus/<ticket>/catatan")
    async def note(request: Request, ticket: str) -> HTTPResponse:
        def work(case: Case, form) -> str:
            ledger.record(case.ticket, me(request).username, "note", new=text_field(form))
            return "Catatan disimpan."

        # A colleague may leave a note on any case: it changes nothing for the applicant.
        return await case_action(request, ticket, work, owners_only=False)

    @app.post("/kasus/<ticket>/status")
    async def set_status(request: Request, ticket: str) -> HTTPResponse:
        def work(case: Case, form) -> str:
            try:
                status = Status(field(form, "status"))
            except ValueError as error:
                raise ValueError("Status tidak dikenal.") from error
            reason = field(form, "reason").strip()[:MAX_REPLY_CHARS] or None
            ledger.set_status(case.ticket, status, me(request).username, reason)
            return "Status diperbarui."

        return await case_action(request, ticket, work)

    @app.post("/kasus/<ticket>/teruskan")
    async def forward(request: Request, ticket: str) -> HTTPResponse:
        def work(case: Case, form) -> str:
            agent = me(request)
            ledger.assign(case.ticket, field(form, "unit"), agent.username)
            verify_if_new(case, agent)
            if ledger.get(case.ticket).status == Status.BELUM_DITINDAKLANJUTI.value:
                ledger.set_status(case.ticket, Status.DALAM_PROSES, agent.username)
            return "Kasus diteruskan ke unit."

        return await case_action(request, ticket, work)

    @app.post("/kasus/<ticket>/selesaikan")
    async def resolve(request: Request, ticket: str) -> HTTPResponse:
        def work(case: Case, form) -> str:
            agent = me(request)
            closing = text_field(form)
            verify_if_new(case, agent)
            ledger.set_status(case.ticket, Status.SELESAI, agent.username)
            if case.taken_over_by:
                resume_bot(case, agent)  # the bot takes the rating
            reply_to_applicant(case, agent, closing)
            outbound.send(
                case.conversation_id,
                RATING_REQUEST,
                f"agent:{agent.username}",
                buttons=RATING_BUTTONS,
            )
            return "Kasus diselesaikan; pemohon diminta memberi penilaian."

        return await case_action(request, ticket, work)

    def reveal(ticket: str, agent: Agent, what: str) -> tuple[Case | None, str | None]:
        """The clear NIK or contacts of a case, recorded as an event before shown."""
        case = case_or_none(ticket)
        if case is None:
            return None, None
        check_may_act(agent, case, assignee_name(case))
        if what == "nik":
            return case, ledger.reveal_nik(case.ticket, agent.username)
        ledger.record(case.ticket, agent.username, "contact_revealed")
        return case, decrypted(case.contact_encrypted, lambda clear: clear)

    async def reveal_page(request: Request, ticket: str, what: str, label: str) -> HTTPResponse:
        try:
            case, value = await asyncio.to_thread(reveal, ticket, me(request), what)
        except NotYours as error:
            return back(f"/kasus/{ticket}", err=str(error))
        if case is None:
            return back("/", err="Kasus tidak ditemukan.")
        return render(request, "reveal.html", case=case, label=label, value=value)

    @app.post("/kasus/<ticket>/nik")
    async def reveal_nik(request: Request, ticket: str) -> HTTPResponse:
        return await reveal_page(request, ticket, "nik", "NIK")

    @app.post("/kasus/<ticket>/kontak")
    async def reveal_contacts(request: Request, ticket: str) -> HTTPResponse:
        return await reveal_page(request, ticket, "contact", "Kontak")

    @app.get("/laporan")
    async def report_page(request: Request) -> HTTPResponse:
        supervisor(request)
        period = _period(request.args.get("dari"), request.args.get("sampai"))
        if period is None:
            message = (
                "Tanggal tidak valid: pakai ?dari=YYYY-MM-DD&sampai=YYYY-MM-DD "
                f"antara {REPORT_DATES[0]} dan {REPORT_DATES[1]}."
            )
            return render(request, "error.html", 400, title="Laporan", message=message)
        channel = request.args.get("kanal") or None
        if channel not in (None, *REPORT_CHANNELS):
            message = f"Kanal tidak dikenal: pilih salah satu dari {', '.join(REPORT_CHANNELS)}."
            return render(request, "error.html", 400, title="Laporan", message=message)
        # A report over a season takes seconds: build it off the event loop.
        report = await asyncio.to_thread(build_report, ledger, sessions, period, channel)
        name = f"laporan-sscn-{period.first_day}-{period.last_day}"
        kind = request.args.get("format")
        if kind in ("csv", "json"):
            body, mime = (
                (as_csv(report), "text/csv")
                if kind == "csv"
                else (as_json(report), "application/json")
            )
            return response.text(
                body,
                content_type=f"{mime}; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
            )
        page = response.html(await asyncio.to_thread(as_html, report, True))
        # A self-contained page: inline styles and embedded PNG charts, nothing else.
        page.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'"
        )
        return page

    @app.get("/admin/petugas")
    async def agents_page(request: Request) -> HTTPResponse:
        supervisor(request)
        return render(request, "agents.html", agents=await asyncio.to_thread(agents.list))

    @app.post("/admin/petugas")
    async def add_agent(request: Request) -> HTTPResponse:
        supervisor(request)
        form = request.form
        try:
            await asyncio.to_thread(
                agents.add,
                field(form, "username"),
                field(form, "display_name"),
                field(form, "role"),
                field(form, "password"),
            )
        except AccountError as error:
            return back("/admin/petugas", err=str(error))
        return back("/admin/petugas", ok="Petugas ditambahkan.")

    @app.post("/admin/petugas/<username>/aktif")
    async def toggle_agent(request: Request, username: str) -> HTTPResponse:
        supervisor(request)
        active = field(request.form, "active") == "1"
        try:
            await asyncio.to_thread(agents.set_active, username, active)
        except AccountError as error:
            return back("/admin/petugas", err=str(error))
        return back("/admin/petugas", ok="Tersimpan.")

    @app.get("/admin/unit")
    async def units_page(request: Request) -> HTTPResponse:
        supervisor(request)
        units = await asyncio.to_thread(_units, sessions, True)
        return render(request, "units.html", units=units)

    @app.post("/admin/unit")
    async def save_unit(request: Request) -> HTTPResponse:
        supervisor(request)
        form = request.form
        code = field(form, "code").strip().upper()
        name = field(form, "name").strip()
        if not code or not name or not code.replace("_", "").isalnum() or len(code) > 40:
            return back("/admin/unit", err="Kode (huruf/angka/_) dan nama unit wajib diisi.")
        await asyncio.to_thread(_save_unit, sessions, code, name[:200], field(form, "active"))
        return back("/admin/unit", ok="Unit disimpan.")

    return app


def _configure(app: Sanic, settings: ConsoleSettings) -> None:
    """Believe X-Forwarded-For/-Proto only from configured proxies; small bodies only."""
    app.config.PROXIES_COUNT = settings.trusted_proxies or None
    app.config.REAL_IP_HEADER = None
    app.config.FORWARDED_SECRET = None
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES


def field(form, name: str) -> str:
    """A form value as text the database accepts (no NUL), "" when missing."""
    value = form.get(name) if form else None
    return value.replace("\x00", "") if isinstance(value, str) else ""


def _source(request: Request) -> str:
    """The client's address: the socket's, or the proxy's X-Forwarded-For when trusted."""
    return request.remote_addr or request.ip


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens, whatever bytes a client sent."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _wait_message(seconds: int) -> str:
    wait = f"{seconds} detik" if seconds < 120 else f"{-(-seconds // 60)} menit"
    return f"Terlalu banyak percobaan gagal. Coba lagi dalam {wait}."


def _period(first: str | None, last: str | None) -> Period | None:
    """The report's period (default: the last seven days), or None when invalid."""
    today = dt.datetime.now(WIB).date()
    try:
        period = Period(
            dt.date.fromisoformat(first or (today - dt.timedelta(days=6)).isoformat()),
            dt.date.fromisoformat(last or today.isoformat()),
        )
    except ValueError:
        return None
    low, high = REPORT_DATES
    return period if low <= period.first_day and period.last_day <= high else None


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


def _units(sessions, include_inactive: bool = False) -> list[Unit]:
    with sessions() as session:
        query = session.query(Unit).order_by(Unit.code)
        if not include_inactive:
            query = query.filter(Unit.active.is_(True))
        return list(query)


def _save_unit(sessions, code: str, name: str, active: str) -> None:
    with sessions() as session, session.begin():
        unit = session.query(Unit).filter_by(code=code).one_or_none()
        if unit is None:
            session.add(Unit(code=code, name=name, active=True))
        else:
            unit.name, unit.active = name, active != "0"
