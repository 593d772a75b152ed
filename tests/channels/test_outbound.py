"""Agents' messages reach the applicant on the channel they wrote from, through Rasa."""

from __future__ import annotations

import time
import uuid

import pytest
import socketio
from sqlalchemy import create_engine, text

from channels.outbound import Outbound, OutboundError
from devtools.fake_telegram import text_update
from tests.support.socketio_client import close_client
from tests.support.telegram import post

pytestmark = pytest.mark.integration


def outbound(bot) -> Outbound:
    return Outbound(bot.rasa_url, bot.token)


def test_an_agent_message_reaches_a_telegram_chat(running_bot, fake_telegram):
    chat = 77001
    assert post(running_bot, text_update(90_001, chat, "halo")).status_code == 200
    fake_telegram.wait_for("sendMessage", chat, 1)
    conversation = f"telegram:{chat}"
    channel = outbound(running_bot).send(
        conversation, "Halo, saya Ani dari Humas BKN.", "agent:ani"
    )
    assert channel == "telegram"
    sent = fake_telegram.wait_for("sendMessage", chat, 2)[-1]
    assert sent["text"] == "Halo, saya Ani dari Humas BKN."
    events = running_bot.tracker(conversation)["events"]
    assert any(e["event"] == "bot" and e.get("text") == sent["text"] for e in events)
    engine = create_engine(running_bot.env["SSCN_DATABASE_URL"])
    with engine.connect() as connection:
        authors = (
            connection.execute(
                text(
                    "SELECT author FROM messages WHERE conversation_id = :c AND direction = 'out'"
                ),
                {"c": conversation},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert "agent:ani" in authors and "bot" in authors


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)


def test_an_agent_message_reaches_the_web_chat(running_bot):
    received: list[str] = []
    sessions: list[str] = []
    # The synchronous client over long polling: Rasa pins an aiohttp too old for the async one.
    client = socketio.Client()
    client.on("bot_uttered", lambda data: received.append(data.get("text", "")))
    client.on("session_confirm", sessions.append)
    client.connect(running_bot.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {})  # the server issues a signed session
        wait_until(lambda: sessions)
        token = sessions[0]
        client.emit("user_uttered", {"message": "halo", "session_id": token})
        wait_until(lambda: received)
        assert received, "no greeting from the bot"
        agent_text = "Saya Budi, petugas helpdesk."
        conversation = f"webchat:{token.split('.')[0]}"
        assert outbound(running_bot).send(conversation, agent_text, "agent:budi") == "webchat"
        wait_until(lambda: agent_text in received)
        assert agent_text in received
    finally:
        close_client(client)


def test_a_rest_conversation_cannot_be_pushed_to(running_bot):
    user = f"rest-{uuid.uuid4().hex[:8]}"
    assert running_bot.say(user, "halo").status_code == 200
    with pytest.raises(OutboundError, match="rest"):
        outbound(running_bot).send(f"rest:{user}", "halo", "agent:ani")
    with pytest.raises(OutboundError, match="empty"):
        outbound(running_bot).send(user, "   ", "agent:ani")
