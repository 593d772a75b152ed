"""Web chat messages carry an id and are acknowledged; a copy (the page sends what is
unacknowledged again after a reconnect) is handled once, on a real Rasa server."""

from __future__ import annotations

import secrets
import threading
import time

import pytest
import socketio

from tests.support.socketio_client import close_client

pytestmark = pytest.mark.integration


class Page:
    """What chat.js does on the wire: a signed session, messages with ids, acks."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.replies: list[str] = []
        self.confirmed = threading.Event()
        self.session = ""
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.append(data.get("text", "")))
        self.client.on("session_confirm", self._confirm)
        self.client.connect(bot.rasa_url, socketio_path="/socket.io", transports=["polling"])
        self.client.emit("session_request", {"session_id": None})
        assert self.confirmed.wait(10), "no session_confirm"

    def _confirm(self, token: str) -> None:
        self.session = token
        self.confirmed.set()

    def send(self, text: str, message_id: str | None) -> dict:
        data = {"message": text, "session_id": self.session, "message_id": message_id}
        return self.client.call("user_uttered", data, timeout=60)

    def user_texts(self) -> list[str]:
        room = self.session.split(".")[0]  # the token is "<session>.<signature>"
        events = self.bot.tracker(f"webchat:{room}")["events"]
        return [event["text"] for event in events if event["event"] == "user"]

    def close(self) -> None:
        close_client(self.client)


@pytest.fixture
def page(running_bot):
    opened = Page(running_bot)
    yield opened
    opened.close()


def test_a_resent_message_is_acknowledged_and_not_handled_again(page):
    message_id = secrets.token_hex(16)
    assert page.send("halo min", message_id) == {"status": "answered"}
    answered = len(page.replies)
    assert answered >= 1
    assert page.send("halo min", message_id) == {"status": "done"}
    time.sleep(0.5)
    assert len(page.replies) == answered  # no second answer
    assert page.user_texts() == ["halo min"]
    assert page.send("makasih", secrets.token_hex(16)) == {"status": "answered"}
    assert page.user_texts() == ["halo min", "makasih"]


def test_two_copies_at_once_are_handled_once(page, running_bot):
    message_id = secrets.token_hex(16)
    second = Page(running_bot)  # the same page reconnected: same session, another socket
    second.confirmed.clear()
    second.client.emit("session_request", {"session_id": page.session})
    assert second.confirmed.wait(10) and second.session == page.session
    acks: list[dict] = []
    try:
        threads = [
            threading.Thread(target=lambda p=p: acks.append(p.send("lupa password", message_id)))
            for p in (page, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
    finally:
        second.close()
    statuses = sorted(ack["status"] for ack in acks)
    assert statuses in (["answered", "busy"], ["answered", "done"]), acks
    assert page.user_texts() == ["lupa password"]


@pytest.mark.parametrize("message_id", ["../../etc", "x" * 20, 42, "ab"])
def test_a_malformed_id_is_refused(page, message_id):
    assert page.send("halo", message_id) == {"status": "refused"}
    assert page.user_texts() == []


def test_a_message_without_an_id_is_still_answered(page):
    assert page.send("halo", None) == {"status": "answered"}
    assert page.user_texts() == ["halo"]
