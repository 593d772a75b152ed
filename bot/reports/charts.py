"""The report's charts as PNG bytes (matplotlib, no display needed).

Figures are built with matplotlib's object API, not pyplot, so that reports can be
rendered from worker threads (the console renders them off its event loop).
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.figure import Figure

from bot.vocabulary import Channel

COLOURS = {
    Channel.WEBCHAT: "#0b4f8a",
    Channel.TELEGRAM: "#2aa1da",
    Channel.TWITTER: "#111111",
    Channel.REST: "#999999",
}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height))
    return figure, figure.subplots()


def daily_volume(report: dict[str, Any]) -> bytes:
    daily = report["messages"]["daily_inbound"]
    days = list(daily)
    channels = sorted({channel for counts in daily.values() for channel in counts})
    figure, axes = _figure(8, 3)
    for channel in channels:
        axes.plot(
            days,
            [daily[d].get(channel, 0) for d in days],
            marker="o",
            label=channel,
            color=COLOURS.get(channel),
        )
    axes.set_title("Pesan masuk per hari per kanal")
    axes.set_ylabel("pesan")
    axes.tick_params(axis="x", labelrotation=60, labelsize=7)
    if channels:
        axes.legend()
    return _png(figure)


def response_times(report: dict[str, Any]) -> bytes:
    histograms = report["messages"]["first_response_histogram"]
    labels = list(histograms["bot"])
    figure, axes = _figure(8, 3)
    width = 0.4
    positions = range(len(labels))
    axes.bar(
        [p - width / 2 for p in positions],
        list(histograms["bot"].values()),
        width,
        label="bot",
        color="#0b4f8a",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        list(histograms["agent"].values()),
        width,
        label="petugas",
        color="#f9a825",
    )
    axes.set_xticks(list(positions))
    axes.set_xticklabels(labels, fontsize=8)
    axes.set_title("Sebaran waktu respons pertama")
    axes.set_ylabel("pesan")
    axes.legend()
    return _png(figure)


def cases_per_category(report: dict[str, Any]) -> bytes:
    rows = [row for row in report["cases"]["by_topic"] if row["count"]] or report["cases"][
        "by_topic"
    ][:1]
    figure, axes = _figure(8, 0.5 + 0.35 * len(rows))
    axes.barh(
        [row["label"].split(" (")[0][:45] for row in rows],
        [row["count"] for row in rows],
        color="#0b4f8a",
    )
    axes.invert_yaxis()
    axes.set_title("Aduan per kategori")
    axes.tick_params(axis="y", labelsize=8)
    return _png(figure)


def sla_compliance(report: dict[str, Any]) -> bytes:
    sla = report["cases"]["sla"]
    within = sla["cases"] - sla["breached"]
    figure, axes = _figure(4, 3)
    axes.bar(["tepat waktu", "lewat SLA"], [within, sla["breached"]], color=["#2e7d32", "#c62828"])
    axes.set_title("Kepatuhan SLA 12 hari kerja")
    axes.set_ylabel("aduan")
    return _png(figure)


CHARTS = {
    "daily_volume": daily_volume,
    "response_times": response_times,
    "cases_per_category": cases_per_category,
    "sla_compliance": sla_compliance,
}


def render_charts(report: dict[str, Any]) -> dict[str, bytes]:
    return {name: draw(report) for name, draw in CHARTS.items()}
