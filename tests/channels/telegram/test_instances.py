"""Two Rasa instances sharing a PostgreSQL message log: copies of one update reaching
both at once are answered once (the claim is in the database, not in a process).
These servers run as ``make run`` does by default: without the REST channel."""

from __future__ import annotations

import itertools
from contextlib import ExitStack

import pytest
import requests
from sqlalchemy.exc import OperationalError

from devtools.fake_telegram import text_update
from devtools.postgres import POSTGRES_URL, scratch_schema
from devtools.servers import start_bot
from tests.support.bot_env import channels_env
from tests.support.telegram import assert_answered_once, deliver_at_once, post

pytestmark = pytest.mark.integration
_ids = itertools.count(60_000)
_chats = itertools.count(6_000)


@pytest.fixture(scope="module")
def two_instances(trained_model, fake_telegram, tmp_path_factory):
    env = {**channels_env(fake_telegram), "SSCN_REST_CHANNEL": ""}  # make run's default
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_schema())
        except OperationalError as error:
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
        work = tmp_path_factory.mktemp("two-instances")
        bot = start_bot(trained_model, work, database_url=url, extra_env=env, rasa_instances=2)
        stack.callback(bot.stop)
        yield bot


def test_copies_reaching_two_instances_at_once_are_answered_once(two_instances, fake_telegram):
    control, chat = next(_chats), next(_chats)
    assert post(two_instances, text_update(next(_ids), control, "halo min")).status_code == 200
    update = text_update(next(_ids), chat, "halo min")
    replies = deliver_at_once(two_instances, update, copies=8, instances=2)
    assert_answered_once(two_instances, fake_telegram, update, control, replies)


def test_the_rest_channel_is_off_unless_turned_on(two_instances):
    for url in two_instances.rasa_urls:
        reply = requests.post(
            f"{url}/webhooks/rest/webhook", json={"sender": "1", "message": "halo"}, timeout=10
        )
        assert reply.status_code == 404
        assert "SSCN_REST_CHANNEL=1" in reply.json()["error"]
