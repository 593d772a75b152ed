"""Nothing without a session; agents kept off supervisor pages; CSRF on every form."""

from __future__ import annotations

import pytest
import requests

from tests.support.console import logged_in

pytestmark = pytest.mark.integration


def test_no_session_redirects_to_the_log_in(console_url):
    for path in ("/", "/kasus/SSCN-2026-00001", "/admin/petugas"):
        reply = requests.get(f"{console_url}{path}", allow_redirects=False, timeout=10)
        assert reply.status_code in (302, 303) and reply.headers["Location"] == "/masuk"
    assert requests.get(f"{console_url}/api/antrean", timeout=10).status_code == 401
    post = requests.post(f"{console_url}/keluar", allow_redirects=False, timeout=10)
    assert post.status_code in (302, 303)


def test_wrong_password_and_cookie_flags(console_url):
    session = requests.Session()
    page = session.get(f"{console_url}/masuk", timeout=10)
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    reply = session.post(
        f"{console_url}/masuk",
        data={"csrf_token": token, "username": "ani", "password": "salah"},
        timeout=10,
    )
    assert "salah" in reply.text and "sscn_session" not in session.cookies
    missing = session.post(
        f"{console_url}/masuk", data={"username": "ani", "password": "x"}, timeout=10
    )
    assert missing.status_code == 403
    _, _ = logged_in(console_url, "ani")
    raw = requests.Session()
    page = raw.get(f"{console_url}/masuk", timeout=10)
    assert (
        "HttpOnly" in page.headers["Set-Cookie"] and "SameSite=Strict" in page.headers["Set-Cookie"]
    )


def test_agents_cannot_open_supervisor_pages(console_url):
    agent, _ = logged_in(console_url, "ani")
    assert agent.get(f"{console_url}/admin/petugas", timeout=10).status_code == 403
    assert agent.get(f"{console_url}/admin/unit", timeout=10).status_code == 403
    supervisor, _ = logged_in(console_url, "sari")
    page = supervisor.get(f"{console_url}/admin/petugas", timeout=10)
    assert page.status_code == 200 and "ani" in page.text


def test_a_form_without_the_csrf_token_is_refused(console_url):
    supervisor, csrf = logged_in(console_url, "sari")
    data = {"username": "baru", "display_name": "Baru", "role": "agent", "password": "x" * 12}
    assert supervisor.post(f"{console_url}/admin/petugas", data=data, timeout=10).status_code == 403
    wrong = supervisor.post(
        f"{console_url}/admin/petugas", data={**data, "csrf_token": "nope"}, timeout=10
    )
    assert wrong.status_code == 403
    ok = supervisor.post(
        f"{console_url}/admin/petugas", data={**data, "csrf_token": csrf}, timeout=10
    )
    assert ok.status_code == 200 and "Petugas ditambahkan" in ok.text
    weak = supervisor.post(
        f"{console_url}/admin/petugas",
        data={**data, "username": "lemah", "password": "pendek", "csrf_token": csrf},
        timeout=10,
    )
    assert weak.status_code == 200 and "minimal" in weak.text  # a message, not a stack trace


def test_supervisors_open_the_report_in_the_console(console_url):
    agent, _ = logged_in(console_url, "ani")
    assert agent.get(f"{console_url}/laporan", timeout=30).status_code == 403
    supervisor, _ = logged_in(console_url, "sari")
    page = supervisor.get(f"{console_url}/laporan?dari=2026-01-01&sampai=2026-12-31", timeout=60)
    assert page.status_code == 200 and "Laporan Helpdesk SSCN" in page.text
    assert page.text.count("data:image/png;base64,") == 4
    assert 'name="dari" value="2026-01-01"' in page.text  # the period form, filled in
    season = supervisor.get(f"{console_url}/laporan?dari=2024-09-15&sampai=2024-09-25", timeout=60)
    assert 'id="stages"' in season.text  # volume per stage of the season file
    assert "Masa sanggah hasil administrasi CPNS 2024" in season.text
    bad = supervisor.get(f"{console_url}/laporan?dari=kemarin", timeout=30)
    assert "Tanggal tidak valid" in bad.text
    unknown = supervisor.get(f"{console_url}/laporan?kanal=fax", timeout=30)
    assert unknown.status_code == 400 and "Kanal tidak dikenal" in unknown.text
    period = "dari=2026-01-01&sampai=2026-12-31&kanal=telegram"
    csv_file = supervisor.get(f"{console_url}/laporan?{period}&format=csv", timeout=60)
    assert csv_file.headers["Content-Type"].startswith("text/csv")
    assert "laporan-sscn-2026-01-01-2026-12-31.csv" in csv_file.headers["Content-Disposition"]
    assert csv_file.text.splitlines()[0] == "section,metric,value"
    json_file = supervisor.get(f"{console_url}/laporan?{period}&format=json", timeout=60)
    assert json_file.json()["channel"] == "telegram"
