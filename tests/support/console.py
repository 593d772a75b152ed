"""Clients of the agents' console: logged-in sessions, other source addresses."""

from __future__ import annotations

import re

import requests
from requests.adapters import HTTPAdapter

PASSWORD = "kata-sandi-uji-123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class SourceAdapter(HTTPAdapter):
    """Connections from a given loopback address (127.0.0.2, ...): another client."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def logged_in(console_url: str, username: str) -> tuple[requests.Session, str]:
    """A requests session logged in as ``username`` and its CSRF token."""
    session = requests.Session()
    page = session.get(f"{console_url}/masuk", timeout=10)
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    reply = session.post(
        f"{console_url}/masuk",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        timeout=10,
    )
    assert reply.url.rstrip("/") == console_url, reply.text[:500]
    csrf = reply.text.split('name="csrf_token" value="')[1].split('"')[0]
    return session, csrf


def client(address: str = "127.0.0.1") -> requests.Session:
    """A session whose connections come from ``address``."""
    session = requests.Session()
    session.mount("http://", SourceAdapter(address))
    return session


def log_in_form(
    session: requests.Session, url: str, username: str, password: str, **headers: str
) -> requests.Response:
    """Fill in the log-in form as a browser would; the reply after the redirect."""
    page = session.get(f"{url}/masuk", headers=headers, timeout=10)
    token = CSRF.search(page.text).group(1)
    return session.post(
        f"{url}/masuk",
        data={"csrf_token": token, "username": username, "password": password},
        headers=headers,
        timeout=30,
    )
