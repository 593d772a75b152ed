"""Supervisors' pages: agents and units."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agents import AccountError
from bot.unit_directory import UnitError
from console.web import back, db, field, render, require_supervisor, services_of

admin = Blueprint("admin", url_prefix="/admin")


@admin.get("/petugas")
async def agents_page(request: Request) -> HTTPResponse:
    require_supervisor(request)
    agents = await db(request, services_of(request).agents.list)
    return render(request, "agents.html", agents=agents)


@admin.post("/petugas")
async def add_agent(request: Request) -> HTTPResponse:
    require_supervisor(request)
    form = request.form
    try:
        await db(
            request,
            services_of(request).agents.add,
            field(form, "username"),
            field(form, "display_name"),
            field(form, "role"),
            field(form, "password"),
        )
    except AccountError as error:
        return back("/admin/petugas", err=str(error))
    return back("/admin/petugas", ok="Petugas ditambahkan.")


@admin.post("/petugas/<username>/aktif")
async def toggle_agent(request: Request, username: str) -> HTTPResponse:
    require_supervisor(request)
    active = field(request.form, "active") == "1"
    try:
        await db(request, services_of(request).agents.set_active, username, active)
    except AccountError as error:
        return back("/admin/petugas", err=str(error))
    return back("/admin/petugas", ok="Tersimpan.")


@admin.get("/unit")
async def units_page(request: Request) -> HTTPResponse:
    require_supervisor(request)
    units = await db(request, services_of(request).units.list, True)
    return render(request, "units.html", units=units)


@admin.post("/unit")
async def save_unit(request: Request) -> HTTPResponse:
    require_supervisor(request)
    form = request.form
    try:
        await db(
            request,
            services_of(request).units.save,
            field(form, "code"),
            field(form, "name"),
            field(form, "active") != "0",
        )
    except UnitError as error:
        return back("/admin/unit", err=str(error))
    return back("/admin/unit", ok="Unit disimpan.")
