"""Routes of the agents' console.

Every page needs a session cookie (else: redirect to /masuk); supervisor pages
refuse agents (403); every POST carries the session's CSRF token (else 403).
Applicant text is rendered by Jinja2 with autoescaping: always as text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agents import AccountError, AgentStore
from bot.kb.store import KnowledgeBaseError
from bot.ledger.calendar import WIB
from bot.ledger.crypto import cipher_from_env
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.lifecycle import IllegalTransition, Status
from bot.ledger.models import Unit
from bot.ledger.service import Ledger, UnknownCase
from bot.reports import REPORT_CHANNELS
from bot.reports.figures import Period, build_report
from bot.reports.render import as_csv, as_html, as_json
from bot.services import Services
from bot.topics import load_topics
from channels.outbound import Outbound, OutboundError
from console.views import RATING_LABELS, local, queue_rows

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_COOKIE = "sscn_session"
LOGIN_CSRF_COOKIE = "sscn_login_csrf"
MAX_REPLY_CHARS = 2000
RATING_REQUEST = "Bagaimana penilaian Anda atas layanan kami?"
RATING_BUTTONS = [
    {"title": label, "payload": f'/rate{{"csat_rating":"{value}"}}'}
    for value, label in RATING_LABELS.items()
]


@dataclass(frozen=True)
class ConsoleSettings:
    rasa_url: str
    rasa_token: str
    secure_cookies: bool

    @classmethod
    def from_env(cls) -> ConsoleSettings:
        return cls(
            os.environ.get("SSCN_RASA_URL", "http://127.0.0.1:5005"),
            os.environ.get("SSCN_RASA_AUTH_TOKEN", ""),
            os.environ.get("SSCN_CONSOLE_SECURE_COOKIES", "0") == "1",
        )


class Forbidden(Exception):
    """Missing CSRF token or a page above the agent's role."""


def create_app(settings: ConsoleSettings | None = None, name: str = "sscn_console") -> Sanic:
    settings = settings or ConsoleSettings.from_env()
    sessions = make_sessionmaker(make_engine())
    ledger = Ledger(sessions, cipher_from_env())
    agents = AgentStore(sessions)
    outbound = Outbound(settings.rasa_url, settings.rasa_token)
    services = Services()
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )
    templates.globals.update(local=local, ratings=RATING_LABELS)
    app = Sanic(name)
    app.static("/static", str(HERE / "static"))

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
        page = templates.get_template(template).render(
            me=request.ctx.session.agent if request.ctx.session else None,
            csrf=request.ctx.session.csrf_token if request.ctx.session else "",
            notice=request.args.get("ok", ""),
            error=request.args.get("err", ""),
            **context,
        )
        return response.html(page, status=status)

    def back(path: str, ok: str = "", err: str = "") -> HTTPResponse:
        query = urlencode({k: v for k, v in (("ok", ok), ("err", err)) if v})
        return response.redirect(f"{path}?{query}" if query else path)

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        request.ctx.session = agents.session(request.cookies.get(SESSION_COOKIE))
        public = request.path in ("/masuk", "/health", "/favicon.ico") or request.path.startswith(
            "/static/"
        )
        if request.ctx.session is None and not public:
            if request.path.startswith("/api/"):
                return response.json({"error": "not logged in"}, status=401)
            return response.redirect("/masuk")
        if request.method == "POST" and request.path != "/masuk":
            given = request.form.get("csrf_token", "") if request.form else ""
            if not hmac.compare_digest(given, request.ctx.session.csrf_token):
                raise Forbidden("CSRF token missing or wrong")
        return None

    @app.middleware("response")
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        csp = resp.headers.get("Content-Security-Policy")
        resp.headers["Content-Security-Policy"] = (
            csp or "default-src 'self'; frame-ancestors 'none'"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"

    @app.exception(Forbidden)
    async def forbidden(request: Request, error: Exception) -> HTTPResponse:
        return response.html(
            templates.get_template("error.html").render(
                me=None, title="Akses ditolak", message=str(error) or "Akses ditolak."
            ),
            status=403,
        )

    @app.exception(Exception)
    async def failure(request: Request, error: Exception) -> HTTPResponse:
        status = getattr(error, "status_code", 500)
        if status >= 500:
            logger.exception("console: %s %s failed", request.method, request.path)
        message = "Terjadi kesalahan. Coba lagi." if status >= 500 else "Halaman tidak ditemukan."
        return response.html(
            templates.get_template("error.html").render(me=None, title="Galat", message=message),
            status=status,
        )

    def supervisor(request: Request) -> None:
        if request.ctx.session.agent.role != "supervisor":
            raise Forbidden("Halaman ini khusus supervisor.")

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/masuk")
    async def login_page(request: Request) -> HTTPResponse:
        # Reuse the cookie's token: a second tab (or the favicon's redirect) must not
        # invalidate the form already on screen.
        existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        token = existing if len(existing) >= 32 else secrets.token_urlsafe(24)
        page = render(request, "login.html", login_csrf=token)
        page.cookies[LOGIN_CSRF_COOKIE] = token
        _harden(page, LOGIN_CSRF_COOKIE, settings.secure_cookies)
        return page

    @app.post("/masuk")
    async def login(request: Request) -> HTTPResponse:
        form = request.form or {}
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie, form.get("csrf_token", "")):
            raise Forbidden("Formulir kedaluwarsa; muat ulang halaman masuk.")
        result = agents.log_in(form.get("username", ""), form.get("password", ""))
        if result.agent is None:
            err = (
                "Akun terkunci sementara karena terlalu banyak percobaan gagal."
                if result.locked
                else "Nama pengguna atau kata sandi salah."
            )
            return back("/masuk", err=err)
        page = response.redirect("/")
        page.cookies[SESSION_COOKIE] = result.token
        _harden(page, SESSION_COOKIE, settings.secure_cookies)
        return page

    @app.post("/keluar")
    async def logout(request: Request) -> HTTPResponse:
        agents.log_out(request.cookies.get(SESSION_COOKIE))
        page = response.redirect("/masuk")
        del page.cookies[SESSION_COOKIE]
        return page

    def filters_of(request: Request) -> dict[str, str]:
        keys = ("status", "topic", "channel", "unit", "mine")
        return {key: request.args.get(key, "") for key in keys if request.args.get(key)}

    def current_rows(request: Request) -> list:
        now = dt.datetime.now(dt.timezone.utc)
        agent_id = request.ctx.session.agent.id
        return queue_rows(ledger, ledger.open_cases(), agent_id, now, filters_of(request))

    @app.get("/")
    async def queue(request: Request) -> HTTPResponse:
        return render(
            request,
            "queue.html",
            rows=current_rows(request),
            filters=filters_of(request),
            statuses=[s.value for s in Status],
            topics=load_topics(),
            units=_units(sessions),
        )

    @app.get("/api/antrean")
    async def queue_json(request: Request) -> HTTPResponse:
        return response.json([row.as_dict() for row in current_rows(request)])

    def case_or_404(ticket: str):
        try:
            return ledger.get(ticket)
        except UnknownCase:
            return None

    @app.get("/kasus/<ticket>")
    async def case_page(request: Request, ticket: str) -> HTTPResponse:
        case = case_or_404(ticket)
        if case is None:
            return render(request, "error.html", 404, title="Tidak ditemukan", message=ticket)
        try:
            transcript = outbound.transcript(case.conversation_id)
        except OutboundError as error:
            transcript, notice = [], f"Transkrip tidak bisa dibuka: {error}"
        else:
            notice = ""
        try:
            canned = services.knowledge_base.current().entries
        except KnowledgeBaseError:
            canned = ()
        return render(
            request,
            "case.html",
            case=case,
            nik=ledger.masked_nik(case),
            due=local(ledger.sla_due(case)),
            breached=ledger.is_breached(case),
            transcript=transcript,
            transcript_notice=notice,
            statuses=[s.value for s in Status],
            units=_units(sessions),
            topics=load_topics(),
            canned=canned,
        )

    @app.get("/api/kasus/<ticket>/transkrip")
    async def transcript_json(request: Request, ticket: str) -> HTTPResponse:
        case = case_or_404(ticket)
        if case is None:
            return response.json({"error": "not found"}, status=404)
        try:
            return response.json(outbound.transcript(case.conversation_id))
        except OutboundError as error:
            return response.json({"error": str(error)}, status=502)

    def actor(request: Request) -> str:
        return request.ctx.session.agent.username

    def case_action(ticket: str, request: Request, work) -> HTTPResponse:
        case = case_or_404(ticket)
        if case is None:
            return back("/", err=f"Kasus {ticket} tidak ditemukan.")
        try:
            ok = work(case, request.form or {})
        except (IllegalTransition, ValueError, OutboundError) as error:
            return back(f"/kasus/{case.ticket}", err=str(error))
        return back(f"/kasus/{case.ticket}", ok=ok)

    def text_field(form, name: str = "text") -> str:
        text = (form.get(name) or "").strip()
        if not text:
            raise ValueError("Pesan kosong.")
        if len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"Pesan terlalu panjang (maks. {MAX_REPLY_CHARS} karakter).")
        return text

    def reply_to_applicant(case, request: Request, text: str) -> None:
        """Send on the applicant's channel and record it (the first one is the first
        human response of docs/METRICS.md)."""
        outbound.send(case.conversation_id, text, f"agent:{actor(request)}")
        ledger.record(case.ticket, actor(request), "agent_reply", new=text)

    def resume_bot(case, request: Request) -> None:
        outbound.resume(case.conversation_id)
        ledger.record(case.ticket, actor(request), "handed_back")

    def verify_if_new(case, request: Request) -> None:
        """A case acted on is verified first (the lifecycle allows no shortcut)."""
        if case.status == Status.BELUM_DIVERIFIKASI.value:
            ledger.set_status(case.ticket, Status.BELUM_DITINDAKLANJUTI, actor(request))

    @app.post("/kasus/<ticket>/ambil-alih")
    async def take_over(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            me = request.ctx.session.agent
            outbound.pause(case.conversation_id)
            outbound.send(
                case.conversation_id,
                f"Halo, saya {me.display_name}, petugas Helpdesk BKN. Saya bantu langsung ya 🙂",
                f"agent:{me.username}",
            )
            ledger.record(case.ticket, me.username, "taken_over")
            if case.assigned_agent_id is None:
                ledger.assign_agent(case.ticket, me.id, me.username)
            return "Percakapan diambil alih; asisten otomatis berhenti menjawab."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/kembalikan")
    async def hand_back(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            resume_bot(case, request)
            return "Percakapan dikembalikan ke asisten otomatis."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/balas")
    async def reply(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            reply_to_applicant(case, request, text_field(form))
            return "Pesan terkirim."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/catatan")
    async def note(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            ledger.record(case.ticket, actor(request), "note", new=text_field(form))
            return "Catatan disimpan."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/status")
    async def set_status(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            try:
                status = Status(form.get("status", ""))
            except ValueError as error:
                raise ValueError("Status tidak dikenal.") from error
            ledger.set_status(case.ticket, status, actor(request), form.get("reason") or None)
            return "Status diperbarui."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/teruskan")
    async def forward(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            ledger.assign(case.ticket, form.get("unit", ""), actor(request))
            verify_if_new(case, request)
            if ledger.get(case.ticket).status == Status.BELUM_DITINDAKLANJUTI.value:
                ledger.set_status(case.ticket, Status.DALAM_PROSES, actor(request))
            return "Kasus diteruskan ke unit."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/selesaikan")
    async def resolve(request: Request, ticket: str) -> HTTPResponse:
        def work(case, form) -> str:
            closing = text_field(form)
            verify_if_new(case, request)
            ledger.set_status(case.ticket, Status.SELESAI, actor(request))
            if case.taken_over_by:
                resume_bot(case, request)  # the bot takes the rating
            reply_to_applicant(case, request, closing)
            outbound.send(
                case.conversation_id,
                RATING_REQUEST,
                f"agent:{actor(request)}",
                buttons=RATING_BUTTONS,
            )
            return "Kasus diselesaikan; pemohon diminta memberi penilaian."

        return case_action(ticket, request, work)

    @app.post("/kasus/<ticket>/nik")
    async def reveal_nik(request: Request, ticket: str) -> HTTPResponse:
        case = case_or_404(ticket)
        if case is None:
            return back("/", err="Kasus tidak ditemukan.")
        nik = ledger.reveal_nik(case.ticket, actor(request))
        return render(request, "nik.html", case=case, nik=nik)

    @app.get("/laporan")
    async def report_page(request: Request) -> HTTPResponse:
        supervisor(request)
        today = dt.datetime.now(WIB).date()
        try:
            first = dt.date.fromisoformat(
                request.args.get("dari") or (today - dt.timedelta(days=6)).isoformat()
            )
            last = dt.date.fromisoformat(request.args.get("sampai") or today.isoformat())
            period = Period(first, last)
        except ValueError:
            message = "Tanggal tidak valid: pakai ?dari=YYYY-MM-DD&sampai=YYYY-MM-DD."
            return render(request, "error.html", 400, title="Laporan", message=message)
        channel = request.args.get("kanal") or None
        if channel not in (None, *REPORT_CHANNELS):
            message = f"Kanal tidak dikenal: pilih salah satu dari {', '.join(REPORT_CHANNELS)}."
            return render(request, "error.html", 400, title="Laporan", message=message)
        # A report over a season takes seconds: build it off the event loop.
        report = await asyncio.to_thread(build_report, ledger, sessions, period, channel)
        name = f"laporan-sscn-{first}-{last}"
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
        return render(request, "agents.html", agents=agents.list())

    @app.post("/admin/petugas")
    async def add_agent(request: Request) -> HTTPResponse:
        supervisor(request)
        form = request.form or {}
        try:
            agents.add(
                form.get("username", ""),
                form.get("display_name", ""),
                form.get("role", ""),
                form.get("password", ""),
            )
        except AccountError as error:
            return back("/admin/petugas", err=str(error))
        return back("/admin/petugas", ok="Petugas ditambahkan.")

    @app.post("/admin/petugas/<username>/aktif")
    async def toggle_agent(request: Request, username: str) -> HTTPResponse:
        supervisor(request)
        try:
            agents.set_active(username, (request.form or {}).get("active") == "1")
        except AccountError as error:
            return back("/admin/petugas", err=str(error))
        return back("/admin/petugas", ok="Tersimpan.")

    @app.get("/admin/unit")
    async def units_page(request: Request) -> HTTPResponse:
        supervisor(request)
        return render(request, "units.html", units=_units(sessions, include_inactive=True))

    @app.post("/admin/unit")
    async def save_unit(request: Request) -> HTTPResponse:
        supervisor(request)
        form = request.form or {}
        code = (form.get("code") or "").strip().upper()
        name = (form.get("name") or "").strip()
        if not code or not name or not code.replace("_", "").isalnum() or len(code) > 40:
            return back("/admin/unit", err="Kode (huruf/angka/_) dan nama unit wajib diisi.")
        with sessions() as session, session.begin():
            unit = session.query(Unit).filter_by(code=code).one_or_none()
            if unit is None:
                session.add(Unit(code=code, name=name[:200], active=True))
            else:
                unit.name, unit.active = name[:200], form.get("active", "1") == "1"
        return back("/admin/unit", ok="Unit disimpan.")

    return app


def _units(sessions, include_inactive: bool = False) -> list[Unit]:
    with sessions() as session:
        query = session.query(Unit).order_by(Unit.code)
        if not include_inactive:
            query = query.filter(Unit.active.is_(True))
        return list(query)


def _harden(page: HTTPResponse, name: str, secure: bool) -> None:
    cookie = page.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if secure:
        cookie["secure"] = True
