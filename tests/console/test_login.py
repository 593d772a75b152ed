"""Log-in throttling over HTTP: per (account, source) and per source, never a lock-out
a stranger can cause; an unknown user looks like a wrong password. Cookie flags."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.support.console import PASSWORD, client, log_in_form

pytestmark = pytest.mark.integration
WRONG = "Nama pengguna atau kata sandi salah."
WAIT = "Terlalu banyak percobaan gagal"


def attempt(console, address: str, username: str, password: str = "salah", **headers):
    return log_in_form(client(address), console.url, username, password, **headers)


def test_a_stranger_cannot_lock_the_agent_out(console):
    for _ in range(5):
        assert WRONG in attempt(console, "127.0.0.2", "ani").text
    assert WAIT in attempt(console, "127.0.0.2", "ani", PASSWORD).text  # that source waits
    welcome = attempt(console, "127.0.0.3", "ani", PASSWORD)  # the agent does not
    assert welcome.url.rstrip("/") == console.url and "Antrean kasus" in welcome.text


def test_a_forged_forwarded_for_changes_no_source(console):
    for number in range(6):
        attempt(console, "127.0.0.4", "budi", **{"X-Forwarded-For": f"198.51.100.{number}"})
    assert WAIT in attempt(console, "127.0.0.4", "budi", **{"X-Forwarded-For": "1.2.3.4"}).text


def test_password_spraying_is_capped_per_source(console):
    for number in range(20):
        assert WRONG in attempt(console, "127.0.0.5", f"tebakan{number}").text
    assert WAIT in attempt(console, "127.0.0.5", "sari", PASSWORD).text
    assert "Antrean kasus" in attempt(console, "127.0.0.6", "sari", PASSWORD).text


def test_an_unknown_user_looks_like_a_wrong_password(console):
    def timed(username: str):
        start = time.perf_counter()
        reply = attempt(console, "127.0.0.7", username)
        return reply, time.perf_counter() - start

    known = [timed("ani") for _ in range(3)]
    unknown = [timed("tidakada") for _ in range(3)]
    for reply, _ in known + unknown:
        assert reply.history[0].status_code == known[0][0].history[0].status_code
        assert reply.history[0].headers["Location"] == known[0][0].history[0].headers["Location"]
        assert WRONG in reply.text
    ratio = statistics.median(t for _, t in unknown) / statistics.median(t for _, t in known)
    assert 0.5 < ratio < 2


def test_cookies_are_http_only_and_same_site(console):
    reply = attempt(console, "127.0.0.8", "ani", PASSWORD)
    for response in (*reply.history, reply):
        for cookie in response.raw.headers.getlist("Set-Cookie"):
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert "Secure" not in cookie  # plain http, no setting: browsers would drop it
    assert "sscn_session" in reply.history[0].headers["Set-Cookie"]
    forged = client("127.0.0.8").get(
        f"{console.url}/masuk", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert "Secure" not in forged.headers["Set-Cookie"]  # no trusted proxy: header ignored


def test_secure_cookies_when_configured(secure_console):
    page = client().get(f"{secure_console.url}/masuk", timeout=10)
    assert "Secure" in page.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_its_headers_count(proxied_console):
    url = proxied_console.url

    def via(address: str, password: str = "salah"):
        return log_in_form(client(), url, "ani", password, **{"X-Forwarded-For": address})

    for _ in range(6):
        via("198.51.100.7")
    assert WAIT in via("198.51.100.7", PASSWORD).text
    assert "Antrean kasus" in via("198.51.100.8", PASSWORD).text
    https = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}
    page = client().get(f"{url}/masuk", headers=https, timeout=10)
    assert "Secure" in page.headers["Set-Cookie"]
