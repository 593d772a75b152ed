"""The production topology: two Rasa instances sharing a PostgreSQL tracker store and
a Redis lock store (deploy/endpoints.production.yml), the ledger on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.ledger.db import make_engine
from devtools.postgres import POSTGRES_URL
from devtools.servers import start_bot
from tests.support.conversation import TICKET, buttons, sender, texts
from tests.support.production import REDIS, production_env

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_db():
    client = redis.Redis(*REDIS, db=5, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}: {error}")
    client.close()  # so that only Rasa's connections use this database during the test
    yield 5
    redis.Redis(*REDIS, db=5).flushdb()


@pytest.fixture
def tracker_database(postgres_url):
    """A tracker database that Rasa creates itself (through ``login_db``); dropped after."""
    name = f"sscn_tracker_{uuid.uuid4().hex[:8]}"
    yield name
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start_production_bot(model, postgres_url, tracker_database, redis_db, work):
    """Two Rasa instances on deploy/endpoints.production.yml and this machine's services."""
    return start_bot(
        model,
        work,
        database_url=postgres_url,
        extra_env=production_env(make_url(POSTGRES_URL), tracker_database, redis_db),
        endpoints="deploy/endpoints.production.yml",
        rasa_instances=2,
    )


def tracker_engine(tracker_database: str):
    """An engine on the tracker database the instances wrote."""
    url = make_url(POSTGRES_URL).set(database=tracker_database)
    return make_engine(url.render_as_string(hide_password=False))


def test_two_instances_share_one_conversation(
    trained_model, postgres_url, tracker_database, redis_db, tmp_path
):
    bot = start_production_bot(trained_model, postgres_url, tracker_database, redis_db, tmp_path)
    try:
        user = sender()
        texts(bot.say(user, "saya mau bicara dengan petugas", instance=0))
        description = "pengumuman hasil seleksi administrasi saya belum keluar sampai sekarang"
        topic = bot.say(user, description, instance=1)
        assert any("kategori" in reply for reply in texts(topic))
        texts(bot.say(user, buttons(topic)[0], instance=0))
        filed = " ".join(texts(bot.say(user, "lewati", instance=1)))
        ticket = TICKET.search(filed).group()
        assert ticket in " ".join(texts(bot.say(user, "status aduan saya", instance=0)))
        # Both instances hold connections to the lock store's Redis database.
        lockers = [c for c in redis.Redis(*REDIS).client_list() if int(c["db"]) == redis_db]
        assert len(lockers) >= 2
    finally:
        bot.stop()
    engine = tracker_engine(tracker_database)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": f"rest:{user}"}
        ).scalar_one()
    engine.dispose()
    assert count > 10


QUESTIONS = (
    "lupa password sscasn gimana",
    "batas usia cpns berapa",
    "syarat pppk guru apa saja",
    "kapan pengumuman skd",
)


def conversation_turns(engine, sender_id: str) -> list[list[dict]]:
    """The stored events of ``sender_id`` split into turns (each starts at a user event)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender_id}
        ).scalars()
        events = [json.loads(row) for row in rows]
    turns: list[list[dict]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


def test_simultaneous_messages_of_one_conversation_are_handled_one_at_a_time(
    trained_model, postgres_url, tracker_database, redis_db, tmp_path
):
    bot = start_production_bot(trained_model, postgres_url, tracker_database, redis_db, tmp_path)
    conversations, per_conversation = 6, 8
    users = [sender() for _ in range(conversations)]
    sends = [
        (user, f"{QUESTIONS[n % len(QUESTIONS)]} ({n})", n % 2)
        for n in range(per_conversation)
        for user in users
    ]
    try:
        with ThreadPoolExecutor(max_workers=len(sends)) as pool:
            replies = list(pool.map(lambda s: bot.say(s[0], s[1], instance=s[2]), sends))
    finally:
        bot.stop()
    assert all(reply.status_code == 200 and reply.json() for reply in replies)
    engine = tracker_engine(tracker_database)
    try:
        for user in users:
            turns = conversation_turns(engine, f"rest:{user}")
            sent = sorted(text_ for who, text_, _ in sends if who == user)
            assert sorted(turn[0]["text"] for turn in turns) == sent  # each exactly once
            for turn in turns:  # every turn answered and closed before the next one
                assert [e for e in turn if e["event"] == "bot"], turn[0]["text"]
                assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen"
            for earlier, later in zip(turns, turns[1:], strict=False):
                handled = [e["timestamp"] for e in later if e["event"] != "user"]
                assert min(handled) >= earlier[-1]["timestamp"]  # one after the other
                assert later[0]["timestamp"] >= earlier[0]["timestamp"]  # in arrival order
    finally:
        engine.dispose()
