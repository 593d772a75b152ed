"""Log-in, log-out and the health probe."""

from __future__ import annotations

import secrets

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from console.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Forbidden,
    back,
    db,
    field,
    render,
    same,
    services_of,
    set_cookie,
    source_of,
)

WRONG_LOGIN = "Nama pengguna atau kata sandi salah."
PUBLIC_PATHS = ("/masuk", "/health", "/favicon.ico")

auth = Blueprint("auth")


@auth.get("/health")
async def health(_: Request) -> HTTPResponse:
    return response.json({"status": "ok"})


@auth.get("/masuk")
async def login_page(request: Request) -> HTTPResponse:
    # Reuse the cookie's token: a second tab (or the favicon's redirect) must not
    # invalidate the form already on screen.
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    token = existing if len(existing) >= 32 and existing.isascii() else secrets.token_urlsafe(24)
    page = render(request, "login.html", login_csrf=token)
    set_cookie(page, request, LOGIN_CSRF_COOKIE, token)
    return page


@auth.post("/masuk")
async def login(request: Request) -> HTTPResponse:
    form = request.form
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not same(cookie, field(form, "csrf_token")):
        raise Forbidden("Formulir kedaluwarsa; muat ulang halaman masuk.")
    agents = services_of(request).agents
    result = await db(
        request, agents.log_in, field(form, "username"), field(form, "password"), source_of(request)
    )
    if result.agent is None:
        err = wait_message(result.retry_after) if result.retry_after else WRONG_LOGIN
        return back("/masuk", err=err)
    page = response.redirect("/")
    set_cookie(page, request, SESSION_COOKIE, result.token)
    return page


@auth.post("/keluar")
async def logout(request: Request) -> HTTPResponse:
    await db(request, services_of(request).agents.log_out, request.cookies.get(SESSION_COOKIE))
    page = response.redirect("/masuk")
    set_cookie(page, request, SESSION_COOKIE, "")
    page.cookies[SESSION_COOKIE]["max-age"] = 0
    return page


def wait_message(seconds: int) -> str:
    wait = f"{seconds} detik" if seconds < 120 else f"{-(-seconds // 60)} menit"
    return f"Terlalu banyak percobaan gagal. Coba lagi dalam {wait}."
