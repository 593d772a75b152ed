"""A report as text (for reading), CSV (stable long format) or JSON."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.reports import REPORT_CHANNELS
from bot.reports.charts import render_charts

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)

CSV_HEADER = ("section", "metric", "value")
CLOCK_LABELS = (
    ("sla", "Tindak lanjut 12 hari kerja (SLA)"),
    ("verification", "Verifikasi 3 hari kerja"),
    ("followup", "Tindak lanjut unit 5 hari kerja"),
)


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, default=str)


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            key = item.get("id") or item.get("ticket") if isinstance(item, dict) else None
            yield from _flatten(f"{prefix}.{key or index}", item)
    else:
        yield prefix, "" if value is None else str(value)


def as_csv(report: dict[str, Any]) -> str:
    """One row per figure: ``section,metric,value`` (e.g. ``cases,sla.breached,3``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for section in ("messages", "knowledge_base", "cases"):
        for metric, value in _flatten("", report[section]):
            writer.writerow((section, metric, value))
    return out.getvalue()


def _hours(spread: dict[str, Any]) -> str:
    if not spread["n"]:
        return "-"
    return f"median {spread['median']:.1f} j, p90 {spread['p90']:.1f} j (n={spread['n']})"


def as_text(report: dict[str, Any]) -> str:
    messages, cases = report["messages"], report["cases"]
    period = report["period"]
    lines = [f"Laporan Helpdesk SSCN {period['from']} s.d. {period['to']}"]
    if report["channel"]:
        lines.append(f"Kanal: {report['channel']}")
    lines += [
        "",
        "Pesan per kanal (masuk / percakapan / balasan bot / balasan petugas / gagal dijawab):",
    ]
    for channel, figures in messages["per_channel"].items():
        lines.append(
            f"  {channel:9s} {figures['inbound']:6d} {figures['conversations']:6d}"
            f" {figures['replies_bot']:6d} {figures['replies_agent']:6d} {figures['failed']:6d}"
        )
    x = messages["x_mentions"]
    lines.append(
        f"Mention X: {x['received']} diterima, {x['answered_by_bot']} dijawab bot,"
        f" {x['answered_by_agent']} dijawab petugas, {x['unanswered']} belum dijawab"
    )
    for who, label in (("bot", "bot"), ("agent", "petugas")):
        spread = messages["first_response_seconds"][who]
        if spread["n"]:
            lines.append(
                f"Respons pertama {label}: median {spread['median']:.0f} dtk,"
                f" p90 {spread['p90']:.0f} dtk (n={spread['n']})"
            )
    contained = messages["containment"]
    share = "-" if contained["containment"] is None else f"{contained['containment'] * 100:.1f}%"
    lines.append(
        f"Selesai tanpa eskalasi (containment): {share}"
        f" ({contained['escalated']} dari {contained['conversations']} percakapan jadi tiket)"
    )
    kb = report["knowledge_base"]
    lines += [
        "",
        f"Basis pengetahuan: {kb['answered']} terjawab, {kb['unanswered']} belum ada jawabannya",
        f"  {kb['low_confidence']} dijawab atau diberi pilihan dengan kurang yakin,"
        f" {kb['unhelpful']} jawaban dinilai tidak membantu",
    ]
    lines += [f"  {row['count']:6d}  {row['id']}" for row in kb["top_entries"]]
    if kb["unanswered_clusters"]:
        lines.append("Pertanyaan tanpa jawaban, dikelompokkan (tulis entri FAQ untuk ini):")
        for cluster in kb["unanswered_clusters"]:
            lines.append(f"  {cluster['size']:4d}x  {', '.join(cluster['keywords'])}")
            lines += [f"          - {example}" for example in cluster["examples"]]
    status = cases["lapor_status"]
    lines += [
        "",
        "Status aduan (SP4N-LAPOR!): "
        + ", ".join(f"{key} {value}" for key, value in status.items()),
        "Aduan per jenis (Tabel 9):",
    ]
    lines += [
        f"  {row['count']:6d}  {row['label']}" for row in cases["by_lapor_type"] if row["count"]
    ]
    lines.append("Aduan per kategori SSCN:")
    lines += [f"  {row['count']:6d}  {row['label']}" for row in cases["by_topic"] if row["count"]]
    sla = cases["sla"]
    compliance = "-" if sla["compliance"] is None else f"{sla['compliance'] * 100:.1f}%"
    lines += [
        f"SLA 12 hari kerja: {compliance} tepat waktu, {sla['breached']} lewat batas",
        *(f"  lewat SLA: {c['ticket']} ({c['status']})" for c in sla["breached_cases"]),
        "RTL: " + ("-" if cases["rtl_days"] is None else f"{cases['rtl_days']:.1f} hari"),
        "Respons pertama petugas (jam kerja): "
        + _hours(cases["first_human_response_hours"]["working"]),
        "Penyelesaian (jam kerja): " + _hours(cases["resolution_hours"]["working"]),
        "Penyelesaian (jam kalender): " + _hours(cases["resolution_hours"]["calendar"]),
        "Batas waktu yang jatuh dalam periode (jatuh tempo / tepat waktu / lewat batas /"
        " belum selesai / belum selesai, lewat batas):",
    ]
    for key, label in CLOCK_LABELS:
        k = cases["clocks"][key]
        lines.append(
            f"  {label:36s} {k['due']:6d} {k['on_time']:6d} {k['breached']:6d}"
            f" {k['open']:6d} {k['overdue']:6d}"
        )
    rating = cases["ikm"]
    lines.append(
        "IKM: -"
        if rating is None
        else f"IKM: {rating['converted']:.2f} ({rating['grade']}, {rating['quality']}),"
        f" {rating['respondents']} responden; rata-rata {rating['mean']:.2f} x 25"
    )
    return "\n".join(lines) + "\n"


def as_html(report: dict[str, Any], console: bool = False) -> str:
    """One self-contained page: tables plus the charts as embedded PNG images.

    ``console``: add the agent console's period form, download links and way back."""
    charts = {
        name: base64.b64encode(png).decode("ascii") for name, png in render_charts(report).items()
    }
    return TEMPLATES.get_template("report.html").render(
        r=report,
        charts=charts,
        console=console,
        channels=REPORT_CHANNELS,
        clock_labels=CLOCK_LABELS,
    )
