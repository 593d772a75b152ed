"""The production shape under faults (docs/FAULTS.md): two Rasa instances on
deploy/endpoints.production.yml whose PostgreSQL tracker store, ledger and Redis lock
store are reached through TCP proxies the tests cut, instead of stopping this machine's
services. One bot serves the whole module (one start, a few seconds per test)."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
import socketio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.ledger.db import make_engine
from channels.telegram.channel import SECRET_HEADER
from channels.turn import TRY_AGAIN_TEXT
from devtools.fake_telegram import text_update
from devtools.postgres import POSTGRES_URL, scratch_schema
from devtools.servers import start_bot
from devtools.tcp_proxy import TcpProxy
from tests.support.bot_env import TELEGRAM_SECRET, channels_env
from tests.support.production import REDIS, production_env
from tests.support.socketio_client import close_client

pytestmark = pytest.mark.integration
REDIS_DB = 7
_ids = itertools.count(70_000)
_chats = itertools.count(7_000)


@pytest.fixture(scope="module")
def faulty(trained_model, fake_telegram, tmp_path_factory):
    """The bot, with ``proxies["tracker" | "ledger" | "redis"]`` to cut."""
    try:
        schema = scratch_schema()
        ledger_url = schema.__enter__()
    except OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    try:
        redis.Redis(*REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        schema.__exit__(None, None, None)
        pytest.skip(f"Redis not reachable: {error}")
    server = make_url(POSTGRES_URL)
    proxies = {
        "tracker": TcpProxy(server.port or 5432, server.host),
        "ledger": TcpProxy(server.port or 5432, server.host),
        "redis": TcpProxy(REDIS[1], REDIS[0]),
    }
    for proxy in proxies.values():
        proxy.start()
    tracker_database = f"sscn_tracker_{uuid.uuid4().hex[:8]}"
    env = {
        **production_env(server, tracker_database, REDIS_DB),
        "SSCN_TRACKER_HOST": "127.0.0.1",
        "SSCN_TRACKER_PORT": str(proxies["tracker"].port),
        "SSCN_REDIS_HOST": "127.0.0.1",
        "SSCN_REDIS_PORT": str(proxies["redis"].port),
        **channels_env(fake_telegram),
    }
    ledger = make_url(ledger_url).set(host="127.0.0.1", port=proxies["ledger"].port)
    bot = start_bot(
        trained_model,
        tmp_path_factory.mktemp("faults"),
        database_url=ledger.render_as_string(hide_password=False),
        extra_env=env,
        endpoints="deploy/endpoints.production.yml",
        rasa_instances=2,
    )
    bot.proxies = proxies
    yield bot
    bot.stop()
    for proxy in proxies.values():
        proxy.stop()
    schema.__exit__(None, None, None)
    redis.Redis(*REDIS, db=REDIS_DB).flushdb()
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{tracker_database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def proxies(faulty):
    """Every proxy restored after each test, whatever it cut."""
    yield faulty.proxies
    for proxy in faulty.proxies.values():
        proxy.cut_on = None
        proxy.stop()
        proxy.start()


def deliver(bot, update: dict, instance: int = 0) -> requests.Response:
    return requests.post(
        f"{bot.rasa_urls[instance]}/webhooks/telegram/webhook",
        json=update,
        headers={SECRET_HEADER: TELEGRAM_SECRET},
        timeout=60,
    )


def user_texts(bot, conversation: str) -> list[str]:
    return [e["text"] for e in bot.tracker(conversation)["events"] if e["event"] == "user"]


def replies_of_one_greeting(bot, fake) -> int:
    """How many messages a chat gets for "halo min" (the control)."""
    chat = next(_chats)
    assert deliver(bot, text_update(next(_ids), chat, "halo min")).json() == {"status": "ok"}
    return len(fake.calls_to("sendMessage", chat))


def test_an_update_whose_tracker_save_failed_is_answered_once_after_redelivery(
    faulty, proxies, fake_telegram
):
    """c: the database dies while the turn is saved. Nothing was sent, the claim is
    released, and Telegram's redeliveries (two at once, on both instances) answer once."""
    chat = next(_chats)
    assert deliver(faulty, text_update(next(_ids), chat, "halo min")).json()["status"] == "ok"
    before = len(fake_telegram.calls_to("sendMessage", chat))
    expected = 2 * before  # a second "halo min" is answered like the first
    update = text_update(next(_ids), chat, "halo min")
    proxies["tracker"].cut_on = b"INSERT INTO events"  # the turn's save, at its end
    failed = deliver(faulty, update)
    assert proxies["tracker"].cuts == 1
    assert failed.status_code == 500, failed.text
    assert len(fake_telegram.calls_to("sendMessage", chat)) == before  # nothing sent
    with ThreadPoolExecutor(2) as pool:
        again = list(pool.map(lambda n: deliver(faulty, update, n), range(2)))
    outcomes = sorted(r.json()["status"] if r.ok else str(r.status_code) for r in again)
    assert outcomes in (["503", "ok"], ["duplicate", "ok"]), outcomes
    assert deliver(faulty, update, 1).json() == {"status": "duplicate"}
    assert len(fake_telegram.calls_to("sendMessage", chat)) == expected
    assert user_texts(faulty, f"telegram:{chat}") == ["halo min", "halo min"]


def test_a_conversation_is_not_restarted_while_its_tracker_cannot_be_read(faulty, proxies):
    """c: Rasa's FailSafeTrackerStore would read an unreachable tracker as a new
    conversation (and keep the turn in one instance's memory); the turn fails instead."""
    user = f"faults-{uuid.uuid4().hex[:8]}"
    assert faulty.say(user, "halo").status_code == 200
    proxies["tracker"].stop()
    refused = faulty.say(user, "batas usia cpns berapa")
    assert refused.status_code == 503
    assert [m["text"] for m in refused.json()] == [TRY_AGAIN_TEXT]
    proxies["tracker"].start()
    assert faulty.say(user, "batas usia cpns berapa", instance=1).status_code == 200
    assert user_texts(faulty, f"rest:{user}") == ["halo", "batas usia cpns berapa"]


def test_redis_down_fails_turns_cleanly_and_they_work_when_it_is_back(
    faulty, proxies, fake_telegram
):
    """d: with the lock store unreachable a turn waits a bounded time, then Telegram gets
    500 (and redelivers), REST and web chat applicants a short "send it again"."""
    expected = replies_of_one_greeting(faulty, fake_telegram)
    chat, user = next(_chats), f"faults-{uuid.uuid4().hex[:8]}"
    update = text_update(next(_ids), chat, "halo min")
    proxies["redis"].stop()
    started = time.monotonic()
    assert deliver(faulty, update).status_code == 500
    assert time.monotonic() - started < 15
    rest = faulty.say(user, "halo", instance=1)
    assert rest.status_code == 503 and rest.headers["Retry-After"] == "5"
    assert [m["text"] for m in rest.json()] == [TRY_AGAIN_TEXT]
    assert webchat_replies(faulty, "halo") == [TRY_AGAIN_TEXT]
    proxies["redis"].start()  # back; nothing restarted
    assert deliver(faulty, update, 1).json() == {"status": "ok"}
    assert len(fake_telegram.calls_to("sendMessage", chat)) == expected
    assert user_texts(faulty, f"telegram:{chat}") == ["halo min"]
    for instance in (0, 1):
        answer = faulty.say(user, "batas usia cpns berapa", instance=instance)
        assert answer.status_code == 200 and answer.json()
    assert webchat_replies(faulty, "halo") not in ([], [TRY_AGAIN_TEXT])


def test_a_postgresql_restart_between_turns_costs_no_turn(faulty, proxies):
    """c: every connection of the tracker store and the ledger dies with the server."""
    user = f"faults-{uuid.uuid4().hex[:8]}"
    for instance in (0, 1):
        assert faulty.say(user, "halo", instance=instance).status_code == 200
    for name in ("tracker", "ledger"):
        proxies[name].stop()
        proxies[name].start()
    for instance in (0, 1):
        answer = faulty.say(user, "batas usia cpns berapa", instance=instance)
        assert answer.status_code == 200, answer.text
        assert TRY_AGAIN_TEXT not in [m.get("text") for m in answer.json()]
    assert user_texts(faulty, f"rest:{user}") == ["halo", "halo", *["batas usia cpns berapa"] * 2]


def webchat_replies(bot, message: str, wait: float = 15) -> list[str]:
    """Send one web chat message; the bot's texts that arrive for it."""
    client = socketio.Client(reconnection=False)
    confirmed, replies = threading.Event(), []
    session: list[str] = []
    client.on("session_confirm", lambda token: (session.append(token), confirmed.set()))
    client.on("bot_uttered", lambda data: replies.append(data.get("text")))
    client.connect(bot.rasa_urls[0], socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        assert confirmed.wait(10)
        client.emit("user_uttered", {"message": message, "session_id": session[0]})
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not replies:
            time.sleep(0.05)
        time.sleep(0.5)  # the rest of the turn's replies
    finally:
        close_client(client)
    return replies


def test_an_update_whose_sender_gave_up_mid_turn_is_released(faulty, proxies, fake_telegram):
    """a/c/d: nginx (or Telegram) stops waiting and closes the connection; Sanic cancels
    the handler. Its claim is released at once, so the redelivery is not told "busy"
    for the claim's 120 s."""
    expected = replies_of_one_greeting(faulty, fake_telegram)
    chat = next(_chats)
    update = text_update(next(_ids), chat, "halo min")
    proxies["redis"].stop()  # the turn now waits for the lock store...
    with pytest.raises(requests.Timeout):  # ...longer than its sender does
        requests.post(
            f"{faulty.rasa_urls[0]}/webhooks/telegram/webhook",
            json=update,
            headers={SECRET_HEADER: TELEGRAM_SECRET},
            timeout=1,
        )
    time.sleep(1)
    proxies["redis"].start()
    assert deliver(faulty, update, 1).json() == {"status": "ok"}
    assert len(fake_telegram.calls_to("sendMessage", chat)) == expected
