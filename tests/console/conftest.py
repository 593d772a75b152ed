"""A real console server next to the session's running bot, with two accounts."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
import requests

from bot.agents import AgentStore
from bot.ledger.db import make_engine, make_sessionmaker
from tests.integration.servers import VENV_BIN, free_port, wait_until_up

PASSWORD = "kata-sandi-uji-123"
ACCOUNTS = (("ani", "Ani (Humas)", "agent"), ("sari", "Sari (Supervisor)", "supervisor"))


@pytest.fixture(scope="session")
def console_url(running_bot, tmp_path_factory):
    store = AgentStore(make_sessionmaker(make_engine(running_bot.env["SSCN_DATABASE_URL"])))
    for username, name, role in ACCOUNTS:
        store.add(username, name, role, PASSWORD)
    port = free_port()
    log = tmp_path_factory.mktemp("console") / "console.log"
    env = {
        **running_bot.env,
        "SSCN_RASA_URL": running_bot.rasa_url,
        "SSCN_RASA_AUTH_TOKEN": running_bot.token,
    }
    process = subprocess.Popen(
        [str(VENV_BIN / "sscn"), "console", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/health", process, log)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


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
