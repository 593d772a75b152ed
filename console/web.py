"""What every blueprint of the console shares: the app context, pages, forms, offloading.

No route calls the database or Rasa on Sanic's event loop: database work goes to
``db()`` (a pool of its own), anything that waits for Rasa to ``rasa()`` (another
pool, so a slow or hanging Rasa can hold up only Rasa calls, never the queue).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agents import ROLE_NAMES, ActiveSession
from bot.desk import RATING_LABELS
from bot.ledger.lifecycle import Status
from bot.ledger.models import Agent
from bot.services import Services
from console.views import CHANNEL_WORDS, KIND_WORDS, STATUS_WORDS, local

HERE = Path(__file__).parent
SESSION_COOKIE = "sscn_session"
LOGIN_CSRF_COOKIE = "sscn_login_csrf"
MAX_NOTICE_CHARS = 300
DB_THREADS = 16
RASA_THREADS = 8
T = TypeVar("T")


class Forbidden(Exception):
    """Missing CSRF token or a page above the agent's role."""


@dataclass
class ConsoleContext:
    """``app.ctx.console``: the services and the pools of one console process."""

    services: Services
    templates: Environment
    db_pool: ThreadPoolExecutor
    rasa_pool: ThreadPoolExecutor
    secure_cookies: bool

    @classmethod
    def build(cls, services: Services) -> ConsoleContext:
        templates = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
        )
        templates.globals.update(
            local=local,
            ratings=RATING_LABELS,
            status_words=STATUS_WORDS,
            kind_words=KIND_WORDS,
            channel_words=CHANNEL_WORDS,
        )
        return cls(
            services=services,
            templates=templates,
            db_pool=ThreadPoolExecutor(DB_THREADS, thread_name_prefix="console-db"),
            rasa_pool=ThreadPoolExecutor(RASA_THREADS, thread_name_prefix="console-rasa"),
            secure_cookies=services.settings.console_secure_cookies,
        )

    def close(self) -> None:
        self.db_pool.shutdown(wait=False, cancel_futures=True)
        self.rasa_pool.shutdown(wait=False, cancel_futures=True)


def console_of(request: Request) -> ConsoleContext:
    return request.app.ctx.console


def services_of(request: Request) -> Services:
    return console_of(request).services


async def db(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run database work off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(console_of(request).db_pool, partial(work, *args))


async def rasa(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run work that waits for Rasa off the event loop, in its own pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(console_of(request).rasa_pool, partial(work, *args))


def session_of(request: Request) -> ActiveSession | None:
    return getattr(request.ctx, "session", None)


def me(request: Request) -> Agent:
    return request.ctx.session.agent


def require_supervisor(request: Request) -> None:
    if me(request).role != "supervisor":
        raise Forbidden("Halaman ini khusus supervisor.")


def require_case_desk(request: Request) -> None:
    """Queue and case pages: agents and supervisors (Humas has its own pages)."""
    if me(request).role not in ("agent", "supervisor"):
        raise Forbidden("Halaman ini khusus petugas dan supervisor.")


def require_humas(request: Request) -> None:
    """Knowledge-base, suggestion and announcement pages: Humas and supervisors."""
    if me(request).role not in ("humas", "supervisor"):
        raise Forbidden("Halaman ini khusus Humas dan supervisor.")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """A page with the agent, the CSRF token and the ``ok``/``err`` notices."""
    session = session_of(request)
    page = (
        console_of(request)
        .templates.get_template(template)
        .render(
            me=session.agent if session else None,
            csrf=session.csrf_token if session else "",
            notice=request.args.get("ok", "")[:MAX_NOTICE_CHARS],
            error=request.args.get("err", "")[:MAX_NOTICE_CHARS],
            statuses=[s.value for s in Status],
            role_names=ROLE_NAMES,
            **context,
        )
    )
    return response.html(page, status=status)


def error_page(app: Sanic, status: int, message: str) -> HTTPResponse:
    page = app.ctx.console.templates.get_template("error.html").render(
        me=None, csrf="", notice="", error="", title="Galat", message=message
    )
    return response.html(page, status=status)


def back(path: str, ok: str = "", err: str = "") -> HTTPResponse:
    """Redirect to ``path`` with a notice."""
    query = urlencode({k: v[:MAX_NOTICE_CHARS] for k, v in (("ok", ok), ("err", err)) if v})
    return response.redirect(f"{path}?{query}" if query else path)


def set_cookie(page: HTTPResponse, request: Request, name: str, value: str) -> None:
    page.cookies[name] = value
    cookie = page.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if console_of(request).secure_cookies or request.scheme == "https":
        cookie["secure"] = True


def field(form, name: str) -> str:
    """A form value as text the database accepts (no NUL), "" when missing."""
    value = form.get(name) if form else None
    return value.replace("\x00", "") if isinstance(value, str) else ""


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens, whatever bytes a client sent."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def source_of(request: Request) -> str:
    """The client's address: the socket's, or the proxy's X-Forwarded-For when trusted."""
    return request.remote_addr or request.ip
