"""Console accounts: hashing, throttled log-ins, sessions, the `sscn agents` CLI."""

from __future__ import annotations

import datetime as dt
import io
import statistics
import threading
import time

import pytest
from sqlalchemy import select

import bot.agents
from bot.agents import AccountError, AgentStore, ThrottlePolicy, check_password, hash_password
from bot.cli import main
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade
from bot.ledger.models import LoginThrottle

PASSWORD = "rahasia-yang-panjang"
HOME, STRANGER = "10.0.0.5", "203.0.113.9"


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
    result = store.log_in("ANI ", PASSWORD, HOME)
    assert result.agent.username == "ani" and result.token
    active = store.session(result.token)
    assert active.agent.display_name == "Ani (Humas)" and len(active.csrf_token) > 20
    assert store.session("forged") is None and store.session(None) is None
    store.log_out(result.token)
    assert store.session(result.token) is None


def fail(store: AgentStore, username: str, times: int, source: str = STRANGER) -> None:
    for _ in range(times):
        assert store.log_in(username, "salah", source).agent is None


def test_a_stranger_cannot_lock_the_agent_out(store):
    store.add("budi", "Budi", "supervisor", PASSWORD)
    fail(store, "budi", 5)
    assert store.log_in("budi", PASSWORD, STRANGER).retry_after > 0  # that source waits
    assert store.log_in("budi", PASSWORD, HOME).agent is not None  # the agent does not


def test_back_off_doubles_up_to_the_cap_and_a_success_clears_it(store, clock):
    store.add("budi", "Budi", "agent", PASSWORD)
    fail(store, "budi", 4, HOME)
    assert store.log_in("budi", "salah", HOME).retry_after == 0  # fifth failure, counted
    waits = []
    for _ in range(12):
        waits.append(store.log_in("budi", PASSWORD, HOME).retry_after)  # not even checked
        clock.now += dt.timedelta(seconds=waits[-1])
        fail(store, "budi", 1, HOME)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    clock.now += dt.timedelta(minutes=15)
    assert store.log_in("budi", PASSWORD, HOME).agent is not None
    assert store.log_in("budi", "salah", HOME).retry_after == 0  # counting starts again
    assert store.log_in("budi", PASSWORD, HOME).agent is not None


def test_unknown_and_wrong_get_the_same_answer_and_the_same_work(store, monkeypatch):
    store.add("budi", "Budi", "agent", PASSWORD)
    checks = []
    real_check = bot.agents.check_password
    monkeypatch.setattr(
        bot.agents, "check_password", lambda *args: checks.append(args) or real_check(*args)
    )
    wrong, unknown = store.log_in("budi", "salah", HOME), store.log_in("siapa", "salah", HOME)
    assert wrong == unknown and len(checks) == 2
    fail(store, "budi", 4, HOME)
    fail(store, "siapa", 4, HOME)
    assert store.log_in("budi", "x", HOME).retry_after == 1
    assert store.log_in("siapa", "x", HOME).retry_after == 1
    store.set_active("budi", False)
    assert store.log_in("budi", PASSWORD, STRANGER) == unknown  # disabled: like unknown


def test_an_unknown_user_takes_as_long_as_a_wrong_password(url):
    policy = ThrottlePolicy(per_account=1000, per_source=1000)
    store = AgentStore(make_sessionmaker(make_engine(url)), policy=policy)
    store.add("budi", "Budi", "agent", PASSWORD)

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            store.log_in(username, "salah", HOME)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    median_seconds("siapa")  # warm up (the dummy hash is made once)
    known, unknown = median_seconds("budi"), median_seconds("siapa")
    assert 0.5 < unknown / known < 2


def test_password_spraying_is_capped_per_source(store):
    store.add("budi", "Budi", "agent", PASSWORD)
    for number in range(20):
        fail(store, f"tebakan{number}", 1)
    assert store.log_in("budi", PASSWORD, STRANGER).retry_after == 1
    assert store.log_in("budi", PASSWORD, HOME).agent is not None


def test_failures_are_forgotten_after_a_quiet_hour(store, clock, url):
    store.add("budi", "Budi", "agent", PASSWORD)
    fail(store, "budi", 5)
    clock.now += dt.timedelta(minutes=61)
    fail(store, "budi", 1)
    assert store.log_in("budi", PASSWORD, STRANGER).agent is not None
    assert failure_counts(url) == [1]  # the source's; the account's went with the success


def failure_counts(url: str) -> list[int]:
    with make_sessionmaker(make_engine(url))() as session:
        return sorted(session.execute(select(LoginThrottle.failures)).scalars())


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request):
    """The SQLite ledger, or a fresh schema on the real PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("url")
    url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


def test_the_count_is_shared_and_exact_under_concurrency(any_url, clock):
    """Two console instances (two engines) counting failures at the same time."""
    url = any_url
    policy = ThrottlePolicy(per_account=8, per_source=100)
    stores = [AgentStore(make_sessionmaker(make_engine(url)), clock, policy) for _ in range(2)]
    stores[0].add("budi", "Budi", "agent", PASSWORD)
    threads = [
        threading.Thread(target=fail, args=(stores[n % 2], "budi", 2, HOME)) for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failure_counts(url) == [8, 8]  # (budi, HOME) and HOME
    assert stores[1].log_in("budi", PASSWORD, HOME).retry_after == 1


def test_sessions_expire_and_disabled_agents_are_logged_out(store, clock):
    store.add("citra", "Citra", "agent", PASSWORD)
    token = store.log_in("citra", PASSWORD, HOME).token
    clock.now += dt.timedelta(hours=11)
    assert store.session(token) is None
    token = store.log_in("citra", PASSWORD, HOME).token
    store.set_active("citra", False)
    assert store.session(token) is None
    assert store.log_in("citra", PASSWORD, HOME).agent is None


def test_bad_accounts_are_refused(store):
    with pytest.raises(AccountError, match="peran"):
        store.add("x", "X", "admin", PASSWORD)
    with pytest.raises(AccountError, match="minimal"):
        store.add("x", "X", "agent", "pendek")
    with pytest.raises(AccountError, match="nama pengguna"):
        store.add("x y", "X", "agent", PASSWORD)
    with pytest.raises(AccountError, match="maks"):
        store.add("x" * 61, "X", "agent", PASSWORD)
    with pytest.raises(AccountError, match="maks"):
        store.add("x", "X" * 121, "agent", PASSWORD)
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
