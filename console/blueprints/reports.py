"""The supervisors' report: HTML, CSV or JSON over a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.kb.loader import load_directory
from bot.reports import REPORT_CHANNELS
from bot.reports.figures import Period, build_report
from bot.reports.render import as_csv, as_html, as_json
from bot.services import Services
from console.web import db, render, require_supervisor, services_of

REPORT_DATES = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))

reports = Blueprint("reports")


@reports.get("/laporan")
async def report_page(request: Request) -> HTTPResponse:
    require_supervisor(request)
    services = services_of(request)
    period = parse_period(
        request.args.get("dari"), request.args.get("sampai"), services.settings.today()
    )
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
    # A report over a season takes seconds: built off the event loop.
    report = await db(request, season_report, services, period, channel)
    name = f"laporan-sscn-{period.first_day}-{period.last_day}"
    kind = request.args.get("format")
    if kind in ("csv", "json"):
        body, mime = (
            (as_csv(report), "text/csv") if kind == "csv" else (as_json(report), "application/json")
        )
        return response.text(
            body,
            content_type=f"{mime}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
        )
    page = response.html(await db(request, as_html, report, True))
    # A self-contained page: inline styles and embedded PNG charts, nothing else.
    page.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return page


def season_report(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    """The report with the stages of the season file and of the entries (read here,
    off the event loop)."""
    entries = load_directory(services.settings.kb_dir).entries
    return build_report(
        services.ledger, services.sessions, period, channel, services.seasons.current(), entries
    )


def parse_period(first: str | None, last: str | None, today: dt.date) -> Period | None:
    """The report's period (default: the last seven days), or None when invalid."""
    try:
        period = Period(
            dt.date.fromisoformat(first or (today - dt.timedelta(days=6)).isoformat()),
            dt.date.fromisoformat(last or today.isoformat()),
        )
    except ValueError:
        return None
    low, high = REPORT_DATES
    return period if low <= period.first_day and period.last_day <= high else None
