"""Malformed requests get a 4xx; an unexpected failure a short Indonesian page with
a code that is in the log, never a stack trace."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.integration


def test_wrong_methods_are_405_not_500(console):
    for path in ("/health", "/static/console.css"):
        reply = requests.post(f"{console.url}{path}", timeout=10)
        assert reply.status_code == 405 and "GET" in reply.headers["Allow"]
        assert "tidak didukung" in reply.text
    session, _ = console.session_of("ani")
    assert session.delete(f"{console.url}/", timeout=10).status_code == 405


def test_unknown_paths_and_files_are_404(console):
    session, _ = console.session_of("ani")
    for path in ("/tidak-ada", "/static/", "/static/../app.py", "/static/nope.css"):
        reply = session.get(f"{console.url}{path}", timeout=10)
        assert reply.status_code == 404 and "tidak ditemukan" in reply.text, path
    reply = session.get(f"{console.url}/api/kasus/SSCN-2026-99999/transkrip", timeout=10)
    assert reply.status_code == 404 and reply.json() == {"error": "not found"}


def test_a_report_for_the_end_of_time_is_a_400(console):
    session, _ = console.session_of("sari")
    for query in ("sampai=9999-12-31", "dari=0001-01-01", "dari=2026-02-30", "dari=x"):
        reply = session.get(f"{console.url}/laporan?{query}&format=json", timeout=30)
        assert reply.status_code == 400 and "Tanggal tidak valid" in reply.text, query


def test_an_unexpected_failure_is_a_friendly_page_with_a_logged_code(console):
    ticket = console.file_case()
    console.rasa.broken.add(console.ledger.get(ticket).conversation_id)
    session, _ = console.session_of("ani")
    # The case page does not wait for Rasa: it opens; its transcript feed fails politely.
    page = session.get(f"{console.url}/kasus/{ticket}", timeout=30)
    assert page.status_code == 200 and ticket in page.text
    feed = session.get(f"{console.url}/api/kasus/{ticket}/transkrip", timeout=30)
    assert feed.status_code == 500 and "Terjadi kesalahan" in feed.json()["error"]
    assert "Traceback" not in feed.text and "JSONDecodeError" not in feed.text
    code = re.search(r"kode galat: ([0-9a-f]{8})", feed.json()["error"]).group(1)
    assert f"request {code} GET" in console.log.read_text()
    assert session.get(f"{console.url}/health", timeout=10).json() == {"status": "ok"}


def test_oversized_forms_are_413(console):
    session, csrf = console.session_of("ani")
    ticket = console.file_case()
    reply = session.post(
        f"{console.url}/kasus/{ticket}/catatan",
        data={"csrf_token": csrf, "text": "x" * 200_000},
        timeout=30,
    )
    assert reply.status_code == 413 and "terlalu besar" in reply.text


def test_a_forged_csrf_token_is_refused_and_changes_nothing(console):
    ticket = console.file_case()
    session, csrf = console.session_of("ani")
    for token in ("", "x" * len(csrf), csrf[:-1] + "é"):
        reply = session.post(
            f"{console.url}/kasus/{ticket}/ambil-alih", data={"csrf_token": token}, timeout=30
        )
        assert reply.status_code == 403 and "Formulir kedaluwarsa" in reply.text
    assert [event.type for event in console.ledger.get(ticket).events] == ["created"]
