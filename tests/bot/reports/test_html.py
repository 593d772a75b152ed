"""The HTML report renders in Chromium with its four charts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.ledger.lifecycle import Status
from bot.reports.figures import Period, build_report
from bot.reports.render import as_html
from tests.support.reports import complaint

pytestmark = pytest.mark.browser


def test_html_report_with_charts_in_chromium(world, browser, tmp_path):
    ledger, log, sessions, clock = world
    clock.at(2026, 9, 1, 9, 0)
    ticket = ledger.file(
        complaint("u1", "unggah_dokumen", "upload <b>ijazah</b> gagal")
    ).case.ticket
    inbound, _ = log.receive("webchat", "u1", None, "halo")
    log.record_sent("webchat", "u1", "Halo!", "bot", inbound.id)
    clock.at(2026, 9, 3, 9, 0)
    ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani")
    ledger.set_status(ticket, Status.SELESAI, "ani")
    ledger.rate("webchat", "u1", 3)
    report = build_report(ledger, sessions, Period(dt.date(2026, 9, 1), dt.date(2026, 9, 7)))
    page_file = tmp_path / "report.html"
    page_file.write_text(as_html(report), encoding="utf-8")

    page = browser.new_page()
    page.goto(page_file.as_uri())
    widths = page.eval_on_selector_all("img[id^=chart-]", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 4 and all(width > 100 for width in widths)
    text = page.inner_text("body")
    assert "Rekapitulasi aduan per jenis (Tabel 9)" in text
    assert "IKM 75.00 — mutu C (Kurang Baik)" in text
    assert "Rekrutmen CPNS/ Sekolah Kedinasan" in text
