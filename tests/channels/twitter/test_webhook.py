"""The X channel's HTTP contract, in process: a bare Sanic app (no Rasa server, no
model) driven over ASGI, with a fake ``on_new_message`` that answers like a bot."""

from __future__ import annotations

import asyncio
import itertools
import logging

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sqlalchemy.exc import OperationalError

from bot.conversations import ForeignConversation
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import PENDING, PROCESSED, RECEIVED, MessageLog
from bot.ledger.migrate import upgrade
from channels import records as records_module
from channels.twitter import TwitterInput
from channels.twitter.channel import TOKEN_HEADER, TwitterOutput

TOKEN = "poller-token"
_apps = itertools.count()


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch):
    """Lets several apps start in one process (as sanic-testing does)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def ledger_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    return url


@pytest.fixture
def log(ledger_url):
    return MessageLog(make_sessionmaker(make_engine(ledger_url)))


class FakeBot:
    """Answers every message with a text and a feedback question with buttons."""

    def __init__(self) -> None:
        self.seen: list[UserMessage] = []
        self.fail_next = False
        self.delay = 0.0

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        await asyncio.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("action server down")
        out = message.output_channel
        await out.send_text_message(message.sender_id, f"Halo! Kamu menulis: {message.text}")
        await out.send_text_with_buttons(
            message.sender_id,
            "Apakah jawaban ini membantu?",
            [
                {"title": "👍 Ya, membantu", "payload": "/feedback_helpful"},
                {"title": "👎 Tidak membantu", "payload": "/feedback_unhelpful"},
            ],
        )


def call(channel: TwitterInput, bot: FakeBot, *requests: dict) -> list[httpx.Response]:
    """POST each request (concurrently) to the channel mounted as Rasa mounts it."""
    app = Sanic(f"twitter_test_{next(_apps)}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/twitter")

    async def run() -> list[httpx.Response]:
        await app._startup()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as client:
            return await asyncio.gather(
                *(client.post("/webhooks/twitter/webhook", **r) for r in requests)
            )

    return asyncio.run(run())


def mention(tweet_id="1861", sender="777", text="lupa password", token=TOKEN, **metadata):
    metadata = {
        "tweet_id": tweet_id,
        "username": "pelamar777",
        "display_name": "Pelamar Tujuh",
        "created_at": "2026-11-28T03:00:00+00:00",
        **metadata,
    }
    headers = {TOKEN_HEADER: token} if token is not None else {}
    return {"json": {"sender": sender, "message": text, "metadata": metadata}, "headers": headers}


def test_a_mention_is_answered_with_reply_parts(log):
    bot = FakeBot()
    (reply,) = call(TwitterInput(TOKEN, log), bot, mention())
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == PROCESSED
    assert [(p["part"], p["status"]) for p in body["parts"]] == [(1, PENDING)]
    assert body["parts"][0]["text"] == (
        "Halo! Kamu menulis: lupa password\n\n"
        "Apakah jawaban ini membantu?\nBalas: Ya, membantu / Tidak membantu"
    )
    (message,) = bot.seen
    assert message.input_channel == "twitter" and message.sender_id == "twitter:777"
    assert message.metadata["display_name"] == "Pelamar Tujuh"
    assert message.metadata["tweet_id"] == "1861"
    row = log.inbound("twitter", "1861")
    assert row.id == body["inbound_id"] and row.conversation_id == "twitter:777"
    assert row.at.isoformat().startswith("2026-11-28T03:00:00")


def test_the_poller_token_is_required(log):
    bot = FakeBot()
    channel = TwitterInput(TOKEN, log)
    missing, wrong = call(channel, bot, mention(token=None), mention(token="nope"))
    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert bot.seen == [] and log.inbound("twitter", "1861") is None


def test_without_a_configured_token_everything_is_refused_and_logged_once(log, monkeypatch, caplog):
    monkeypatch.delenv("SSCN_POLLER_TOKEN", raising=False)
    channel = TwitterInput.from_credentials({})
    channel._log = log
    with caplog.at_level(logging.ERROR, logger="channels.twitter.channel"):
        replies = call(channel, FakeBot(), mention(token=""), mention(token="x"))
    assert [r.status_code for r in replies] == [403, 403]
    assert len([r for r in caplog.records if "SSCN_POLLER_TOKEN" in r.getMessage()]) == 1


def test_malformed_requests_get_a_400_with_a_reason(log):
    headers = {TOKEN_HEADER: TOKEN}
    replies = call(
        TwitterInput(TOKEN, log),
        FakeBot(),
        {"content": b"{not json", "headers": headers},
        {"json": ["a list"], "headers": headers},
        mention(sender="pelamar777"),
        {
            "json": {"sender": "777", "message": 5, "metadata": {"tweet_id": "1"}},
            "headers": headers,
        },
        {"json": {"sender": "777", "message": "halo"}, "headers": headers},
        mention(tweet_id="abc"),
    )
    assert [r.status_code for r in replies] == [400] * 6
    assert [r.json()["error"] for r in replies][:2] == [
        "body is not valid JSON",
        "body must be a JSON object",
    ]


def test_the_same_tweet_again_returns_the_stored_parts_without_running_the_bot(log):
    bot = FakeBot()
    channel = TwitterInput(TOKEN, log)
    (first,) = call(channel, bot, mention())
    (again,) = call(channel, bot, mention())
    assert len(bot.seen) == 1
    assert again.json() == first.json()


def test_concurrent_posts_of_one_tweet_run_the_bot_once_across_instances(log, ledger_url):
    bot = FakeBot()
    bot.delay = 0.2  # the poller retried while the first request was still running
    channel = TwitterInput(TOKEN, log)
    # Two Rasa instances: separate channels (and locks) sharing only the database.
    other = TwitterInput(TOKEN, MessageLog(make_sessionmaker(make_engine(ledger_url))))
    replies = call_both(channel, other, bot, mention())
    assert len(bot.seen) == 1
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200, 503, 503, 503], [r.text for r in replies]
    busy = next(r for r in replies if r.status_code == 503)
    assert busy.headers["Retry-After"] == "5"
    (again,) = call(other, bot, mention())  # the poller's next round
    answered = next(r for r in replies if r.status_code == 200)
    assert again.json() == answered.json() and len(again.json()["parts"]) == 1
    assert len(bot.seen) == 1


def call_both(first: TwitterInput, second: TwitterInput, bot: FakeBot, request: dict):
    """Two copies of ``request`` to each of two channels mounted in two apps, at once."""
    apps = []
    for channel in (first, second):
        app = Sanic(f"twitter_test_{next(_apps)}")
        app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/twitter")
        apps.append(app)

    async def run() -> list[httpx.Response]:
        clients = []
        for app in apps:
            await app._startup()
            clients.append(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rasa")
            )
        try:
            return await asyncio.gather(
                *(c.post("/webhooks/twitter/webhook", **request) for c in clients * 2)
            )
        finally:
            for client in clients:
                await client.aclose()

    return asyncio.run(run())


def test_a_failed_run_is_a_500_and_runs_again_next_time(log):
    bot = FakeBot()
    bot.fail_next = True
    channel = TwitterInput(TOKEN, log)
    (failed,) = call(channel, bot, mention())
    assert failed.status_code == 500
    assert log.inbound("twitter", "1861").status == RECEIVED  # and its claim released
    (retried,) = call(channel, bot, mention())
    assert retried.status_code == 200 and len(retried.json()["parts"]) == 1
    assert len(bot.seen) == 2


def test_a_nik_is_redacted_before_the_bot_sees_it_and_never_goes_public(log):
    bot = FakeBot()
    (reply,) = call(TwitterInput(TOKEN, log), bot, mention(text="NIK saya 3201234567890123"))
    (message,) = bot.seen
    assert "3201234567890123" not in message.text and "[NIK]" in message.text
    assert message.metadata["nik_redacted"] is True
    assert "3201234567890123" not in reply.text
    assert "3201234567890123" not in log.inbound("twitter", "1861").text


def test_a_mention_with_nothing_to_answer_gets_no_parts(log):
    bot = FakeBot()
    (reply,) = call(TwitterInput(TOKEN, log), bot, mention(text="   "))
    assert reply.json()["status"] == PROCESSED and reply.json()["parts"] == []
    assert bot.seen == []


def test_agents_messages_are_queued_on_the_latest_mention(log):
    channel = TwitterInput(TOKEN, log)
    later = "2026-11-28T03:05:00+00:00"  # the two arrive concurrently: time says which is latest
    call(channel, FakeBot(), mention(tweet_id="1861"), mention(tweet_id="1862", created_at=later))
    output = channel.get_output_channel()
    assert isinstance(output, TwitterOutput) and output.name() == "twitter"

    async def agent_writes() -> None:
        # What Rasa does with a bot event posted with output_channel=latest.
        await output.send_response(
            "twitter:777",
            {"text": "Halo, saya Ani. Email saya ani@bkn.go.id", "author": "agent:ani"},
        )
        await output.send_response(
            "twitter:777", {"text": "Sudah beres?", "buttons": [{"title": "Ya"}]}
        )
        await output.send_text_message("twitter:999", "nobody mentioned us")  # dropped

    asyncio.run(agent_writes())
    latest = log.inbound("twitter", "1862")
    bot_part, agent_part, question = log.parts(latest.id)
    assert (agent_part.author, agent_part.part, agent_part.status) == ("agent:ani", 2, PENDING)
    assert agent_part.text == "Halo, saya Ani. Email saya [EMAIL]"
    assert (question.author, question.text) == ("agent", "Sudah beres?\nBalas: Ya")
    assert latest.status == PROCESSED
    assert log.latest_inbound("twitter", "twitter:999") is None


@pytest.mark.parametrize("recipient", ["777", "webchat:777", "rest:777", "twitter:"])
def test_agents_messages_to_another_channels_conversation_are_refused(log, recipient):
    channel = TwitterInput(TOKEN, log)
    call(channel, FakeBot(), mention())
    output = channel.get_output_channel()
    with pytest.raises(ForeignConversation):
        asyncio.run(output.send_text_message(recipient, "Halo, saya Ani."))
    assert len(log.parts(log.inbound("twitter", "1861").id)) == 1  # only the bot's reply


class RefusingOnceLog(MessageLog):
    """A message log whose database refuses the first release (it was cut just then)."""

    refused = 0

    def release(self, message_id: int) -> None:
        if not self.refused:
            self.refused += 1
            raise OperationalError("UPDATE messages", {}, Exception("connection refused"))
        super().release(message_id)


def test_a_release_the_database_refused_is_retried_so_the_next_round_is_answered(
    ledger_url, monkeypatch
):
    monkeypatch.setattr(records_module, "RELEASE_RETRY_SECONDS", 0.05)
    log = RefusingOnceLog(make_sessionmaker(make_engine(ledger_url)))
    bot = FakeBot()
    bot.fail_next = True
    app = Sanic(f"twitter_test_{next(_apps)}")
    app.blueprint(TwitterInput(TOKEN, log).blueprint(bot), url_prefix="/webhooks/twitter")

    async def run() -> tuple[int, int]:
        await app._startup()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as client:
            failed = await client.post("/webhooks/twitter/webhook", **mention())
            for _ in range(40):  # the poller's next round comes later
                await asyncio.sleep(0.05)
                if not records_module.PENDING_RELEASES:
                    break
            retried = await client.post("/webhooks/twitter/webhook", **mention())
            return failed.status_code, retried.status_code

    assert asyncio.run(run()) == (500, 200)  # not 503 until the claim expired
    assert log.refused == 1 and len(bot.seen) == 2
