"""Conversations are namespaced by channel and web chat sessions are signed by the
server: on a real Rasa server, no client-chosen id reaches another applicant."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from channels.outbound import Outbound, OutboundError
from tests.support.socketio_client import close_client

pytestmark = pytest.mark.integration


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    return bool(condition())


class Socket:
    """A web chat client (the synchronous one, over long polling)."""

    def __init__(self, bot) -> None:
        self.received: list[str] = []
        self.confirmed: list[str] = []
        self.client = socketio.Client()
        self.client.on("bot_uttered", lambda data: self.received.append(data.get("text", "")))
        self.client.on("session_confirm", self.confirmed.append)
        self.client.connect(bot.rasa_url, socketio_path="/socket.io", transports=["polling"])

    def session(self, proposal: str | None = None) -> str:
        before = len(self.confirmed)
        self.client.emit("session_request", {"session_id": proposal})
        assert wait_until(lambda: len(self.confirmed) > before), "no session_confirm"
        return self.confirmed[-1]

    def say(self, text: str, session_id: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": session_id})

    def close(self) -> None:
        close_client(self.client)


def user_texts(bot, conversation: str) -> list[str]:
    return [e["text"] for e in bot.tracker(conversation)["events"] if e["event"] == "user"]


@pytest.fixture
def victim(running_bot):
    socket = Socket(running_bot)
    yield socket
    socket.close()


@pytest.fixture
def attacker(running_bot):
    socket = Socket(running_bot)
    yield socket
    socket.close()


def test_a_second_socket_cannot_join_or_write_to_a_web_chat_session(running_bot, victim, attacker):
    token = victim.session()
    # The conversation's name is no secret: agents, the ledger and the tracker see it.
    session = token.split(".")[0]
    for proposal in (session, f"webchat:{session}", f"{session}.{'0' * 64}"):
        assert attacker.session(proposal).split(".")[0] != session
    attacker.say("status aduan saya", session)
    attacker.say("status aduan saya", f"{session}.{'0' * 64}")

    victim.say("halo min", token)
    assert wait_until(lambda: victim.received), "the victim got no reply"
    time.sleep(1.0)
    assert attacker.received == []
    assert user_texts(running_bot, f"webchat:{session}") == ["halo min"]

    # The victim's own page, reloaded, proposes its token and keeps its session.
    reloaded = Socket(running_bot)
    try:
        assert reloaded.session(token) == token
    finally:
        reloaded.close()


def test_a_rest_client_cannot_reach_a_web_chat_conversation(running_bot, victim):
    token = victim.session()
    session = token.split(".")[0]
    for sender in (session, f"webchat:{session}", token):
        assert running_bot.say(sender, "halo").status_code == 200
    assert user_texts(running_bot, f"rest:webchat:{session}") == ["halo"]
    assert user_texts(running_bot, f"webchat:{session}") == []

    outbound = Outbound(running_bot.rasa_url, running_bot.token)
    with pytest.raises(OutboundError, match="rest"):
        outbound.send(f"rest:{session}", "Halo, saya Ani.", "agent:ani")
    # Even asking Rasa for the web chat output explicitly: the output refuses the id.
    forced = requests.post(
        f"{running_bot.rasa_url}/conversations/rest:{session}/tracker/events",
        params={"output_channel": "webchat", "execute_side_effects": "true"},
        headers=running_bot.api_headers(),
        json=[{"event": "bot", "text": "Halo, saya Ani."}],
        timeout=10,
    )
    assert forced.status_code >= 400
    time.sleep(1.0)
    assert victim.received == []
