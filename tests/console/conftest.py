"""Real console servers over HTTP.

``console_url``: next to the session's running bot (Rasa, actions), two accounts.
``console``, ``secure_console``, ``proxied_console``: on their own ledger with a
fake Rasa API (no model to train), three accounts, cases filed by the test; with
the default settings, with ``SSCN_CONSOLE_SECURE_COOKIES=1``, and behind one
trusted proxy (``SSCN_CONSOLE_TRUSTED_PROXY=1``).
``humas_console``: like ``console``, over a small knowledge base of its own that
the tests edit, with a Humas account besides the three.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.agents import AgentStore
from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade
from bot.ledger.service import Ledger, NewCase
from devtools.fake_telegram import TOKEN
from devtools.net import free_port
from devtools.servers import LEDGER_KEY, VENV_BIN, wait_until_up
from tests.support.console import PASSWORD
from tests.support.fake_rasa import FakeRasa
from tests.support.kb import default_kb

ACCOUNTS = (("ani", "Ani (Humas)", "agent"), ("sari", "Sari (Supervisor)", "supervisor"))
TEAM = (*ACCOUNTS, ("budi", "Budi (Humas)", "agent"))
HUMAS = ("hana", "Hana (Humas)", "humas")
_conversations = itertools.count(1)


def spawn_console(env: dict[str, str], log: Path) -> tuple[str, subprocess.Popen]:
    """``sscn console`` on a free loopback port, once it answers; its URL and process."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "sscn"), "console", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/health", process, log)
    return url, process


@pytest.fixture(scope="session")
def console_url(running_bot, tmp_path_factory):
    store = AgentStore(make_sessionmaker(make_engine(running_bot.env["SSCN_DATABASE_URL"])))
    for username, name, role in ACCOUNTS:
        store.add(username, name, role, PASSWORD)
    log = tmp_path_factory.mktemp("console") / "console.log"
    env = {
        **running_bot.env,
        "SSCN_RASA_URL": running_bot.rasa_url,
        "SSCN_RASA_AUTH_TOKEN": running_bot.token,
    }
    url, process = spawn_console(env, log)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


@dataclass
class Console:
    """A console process on its own ledger, and the test's view of that ledger."""

    url: str
    database_url: str
    rasa: FakeRasa
    log: Path
    process: subprocess.Popen

    @property
    def ledger(self) -> Ledger:
        return Ledger(make_sessionmaker(make_engine(self.database_url)), FieldCipher(LEDGER_KEY))

    @property
    def agents(self) -> AgentStore:
        return AgentStore(make_sessionmaker(make_engine(self.database_url)))

    def file_case(self, **fields: str) -> str:
        """A new case (a conversation of its own in the fake Rasa); its ticket."""
        conversation = f"webchat:{next(_conversations):04d}"
        new = NewCase(
            channel="webchat",
            channel_user=conversation,
            conversation_id=conversation,
            kind="complaint",
            summary=fields.pop("summary", "kartu ujian tidak bisa dicetak"),
            **fields,
        )
        return self.ledger.file(new).case.ticket

    def session_of(self, username: str) -> tuple[requests.Session, str]:
        """Logged in as ``username`` without the log-in form: a session and its CSRF."""
        token = self.agents.log_in(username, PASSWORD, "fixture").token
        session = requests.Session()
        session.cookies.set("sscn_session", token)
        return session, self.agents.session(token).csrf_token

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)


def start_console(directory: Path, **settings: str) -> Console:
    database_url = f"sqlite:///{directory / 'ledger.db'}"
    upgrade(database_url)
    store = AgentStore(make_sessionmaker(make_engine(database_url)))
    for username, name, role in TEAM:
        store.add(username, name, role, PASSWORD)
    rasa = FakeRasa()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SSCN_", "SANIC_"))},
        "SSCN_DATABASE_URL": database_url,
        "SSCN_LEDGER_KEY": LEDGER_KEY,
        "SSCN_RASA_URL": rasa.url,
        "SSCN_RASA_AUTH_TOKEN": "fake-rasa-secret",
        **settings,
    }
    log = directory / "console.log"
    url, process = spawn_console(env, log)
    return Console(url, database_url, rasa, log, process)


def _serve(directory: Path, **settings: str) -> Iterator[Console]:
    console = start_console(directory, **settings)
    yield console
    console.stop()
    console.rasa.stop()


@pytest.fixture(scope="session")
def console(tmp_path_factory) -> Iterator[Console]:
    yield from _serve(tmp_path_factory.mktemp("console-default"))


@pytest.fixture(scope="session")
def secure_console(tmp_path_factory) -> Iterator[Console]:
    yield from _serve(tmp_path_factory.mktemp("console-secure"), SSCN_CONSOLE_SECURE_COOKIES="1")


@pytest.fixture(scope="session")
def proxied_console(tmp_path_factory) -> Iterator[Console]:
    yield from _serve(tmp_path_factory.mktemp("console-proxied"), SSCN_CONSOLE_TRUSTED_PROXY="1")


@dataclass
class HumasConsole(Console):
    """A console whose knowledge base is the test's own folder."""

    kb_dir: Path = Path()


@pytest.fixture(scope="module")
def humas_console(tmp_path_factory) -> Iterator[HumasConsole]:
    directory = tmp_path_factory.mktemp("console-humas")
    kb_dir = default_kb(directory / "kb")
    console = start_console(directory, SSCN_KB_DIR=str(kb_dir))
    console.agents.add(*HUMAS, PASSWORD)
    yield HumasConsole(**vars(console), kb_dir=kb_dir)
    console.stop()
    console.rasa.stop()


@pytest.fixture
def telegram_console(tmp_path, fake_telegram) -> Iterator[Console]:
    """A console of the test's own that sends announcements to the fake Bot API."""
    yield from _serve(tmp_path, TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url)


@pytest.fixture
def fresh_console(tmp_path) -> Iterator[Console]:
    """A console of the test's own (for tests that make its fake Rasa slow or broken)."""
    yield from _serve(tmp_path)
