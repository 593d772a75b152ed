"""The REST channel in process: off unless turned on, then bearer token or loopback
only, and its conversations are ``rest:<sender>``."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from channels.rest import RestInput, is_loopback

_apps = itertools.count()
BODY = {"sender": "12345", "message": "halo"}


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)


class EchoBot:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Halo!")


def call(channel: RestInput, bot: EchoBot, client: str = "127.0.0.1", **request) -> httpx.Response:
    app = Sanic(f"rest_test_{next(_apps)}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/rest")

    async def run() -> httpx.Response:
        await app._startup()
        transport = httpx.ASGITransport(app=app, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as http:
            return await http.post("/webhooks/rest/webhook", **request)

    return asyncio.run(run())


def test_off_by_default_with_a_clear_404(monkeypatch):
    monkeypatch.delenv("SSCN_REST_CHANNEL", raising=False)
    bot = EchoBot()
    reply = call(RestInput.from_credentials({}), bot, json=BODY)
    assert reply.status_code == 404
    assert "SSCN_REST_CHANNEL=1" in reply.json()["error"]
    assert bot.seen == []


def test_on_it_talks_as_rest_conversations_only(monkeypatch):
    monkeypatch.setenv("SSCN_REST_CHANNEL", "1")
    monkeypatch.delenv("SSCN_REST_TOKEN", raising=False)
    bot = EchoBot()
    for sender in ("12345", "telegram:12345", "webchat:abc"):
        reply = call(RestInput.from_credentials({}), bot, json={**BODY, "sender": sender})
        assert reply.status_code == 200, reply.text
        assert reply.json()[0]["recipient_id"] == f"rest:{sender}"
    assert [m.sender_id for m in bot.seen] == [
        "rest:12345",
        "rest:telegram:12345",
        "rest:webchat:abc",
    ]
    assert {m.input_channel for m in bot.seen} == {"rest"}


@pytest.mark.parametrize(
    ("client", "status"), [("127.0.0.1", 200), ("127.8.9.10", 200), ("::1", 200), ("10.0.0.5", 403)]
)
def test_without_a_token_only_loopback_clients_are_served(client, status):
    bot = EchoBot()
    reply = call(RestInput(enabled=True), bot, client=client, json=BODY)
    assert reply.status_code == status, reply.text
    assert len(bot.seen) == (status == 200)


def test_with_a_token_every_client_needs_it():
    channel, bot = RestInput(enabled=True, token="t0ken-for-tests"), EchoBot()
    missing = call(channel, bot, json=BODY)
    wrong = call(channel, bot, json=BODY, headers={"Authorization": "Bearer nope"})
    basic = call(channel, bot, json=BODY, headers={"Authorization": "Basic t0ken-for-tests"})
    assert [r.status_code for r in (missing, wrong, basic)] == [401, 401, 401]
    assert missing.headers["WWW-Authenticate"] == "Bearer" and bot.seen == []
    remote = call(
        channel,
        bot,
        client="203.0.113.9",
        json=BODY,
        headers={"Authorization": "Bearer t0ken-for-tests"},
    )
    assert remote.status_code == 200 and len(bot.seen) == 1


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not any(is_loopback(a) for a in ("10.0.0.1", "::ffff:10.0.0.1", "", "localhost"))


@pytest.mark.parametrize("sender", ["3174012345678921", "3174.0123.4567.8921", "ani@example.com"])
def test_personal_data_as_sender_id_is_refused(monkeypatch, sender):
    monkeypatch.setenv("SSCN_REST_CHANNEL", "1")
    monkeypatch.delenv("SSCN_REST_TOKEN", raising=False)
    bot = EchoBot()
    reply = call(RestInput.from_credentials({}), bot, json={**BODY, "sender": sender})
    assert reply.status_code == 400
    assert sender not in reply.text
    assert bot.seen == []
