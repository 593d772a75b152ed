"""Console accounts: hashing, lock-out, sessions, the `sscn agents` CLI."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from bot.agents import MAX_FAILED_LOGINS, AccountError, AgentStore, check_password, hash_password
from bot.cli import main
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade

PASSWORD = "rahasia-yang-panjang"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    return url


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(url, clock):
    return AgentStore(make_sessionmaker(make_engine(url)), clock)


def test_passwords_are_salted_hashes():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and PASSWORD not in first
    assert check_password(PASSWORD, first) and not check_password("salah", first)
    assert not check_password(PASSWORD, "garbage")


def test_log_in_session_and_log_out(store):
    store.add("ani", "Ani (Humas)", "agent", PASSWORD)
    result = store.log_in("ANI ", PASSWORD)
    assert result.agent.username == "ani" and result.token
    active = store.session(result.token)
    assert active.agent.display_name == "Ani (Humas)" and len(active.csrf_token) > 20
    assert store.session("forged") is None and store.session(None) is None
    store.log_out(result.token)
    assert store.session(result.token) is None


def test_repeated_failures_lock_the_account_for_a_while(store, clock):
    store.add("budi", "Budi", "supervisor", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert not store.log_in("budi", "salah").locked
    assert store.log_in("budi", "salah").locked
    assert store.log_in("budi", PASSWORD).agent is None  # right password, still locked
    clock.now += dt.timedelta(minutes=16)
    assert store.log_in("budi", PASSWORD).agent is not None


def test_sessions_expire_and_disabled_agents_are_logged_out(store, clock):
    store.add("citra", "Citra", "agent", PASSWORD)
    token = store.log_in("citra", PASSWORD).token
    clock.now += dt.timedelta(hours=11)
    assert store.session(token) is None
    token = store.log_in("citra", PASSWORD).token
    store.set_active("citra", False)
    assert store.session(token) is None
    assert store.log_in("citra", PASSWORD).agent is None


def test_bad_accounts_are_refused(store):
    with pytest.raises(AccountError, match="peran"):
        store.add("x", "X", "admin", PASSWORD)
    with pytest.raises(AccountError, match="minimal"):
        store.add("x", "X", "agent", "pendek")
    with pytest.raises(AccountError, match="nama pengguna"):
        store.add("x y", "X", "agent", PASSWORD)
    store.add("dewi", "Dewi", "agent", PASSWORD)
    with pytest.raises(AccountError, match="dipakai"):
        store.add("dewi", "Dewi 2", "agent", PASSWORD)


def test_cli(url, monkeypatch, capsys):
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["agents", "add", "eka", "--role", "supervisor", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert main(["agents", "add", "fajar", "--role", "agent", "--password-stdin"]) == 2
    assert main(["agents", "list"]) == 0
    assert "eka" in capsys.readouterr().out
    assert main(["agents", "disable", "eka"]) == 0
    assert main(["agents", "disable", "nobody"]) == 2
