"""Locust users, one class per channel, each holding realistic conversations
(bench/load/messages.py) through nginx like real clients do:

- ``WebChatUser``: socket.io over WebSocket (``/socket.io/``), a server-signed
  session per conversation (``session_request`` -> ``session_confirm`` token, every
  ``user_uttered`` carries it), replies are ``bot_uttered`` events;
- ``TelegramUser``: Bot API updates POSTed to the webhook with the secret header,
  redelivered like Telegram does on a non-2xx answer or a timeout; replies are the
  ``sendMessage`` calls the fake Bot API records for the chat; buttons are pressed
  as ``callback_query`` updates;
- ``XUser``: mentions added to the fake X API; the product's poller (run beside
  the cluster) forwards them to Rasa and posts the reply threads back to the fake;
- ``RestUser``: ``POST /webhooks/rest/webhook`` with the bearer token; the replies
  are the response.

A user sends a turn, waits for its replies (``HARNESS.timeout``), thinks, sends the
next. A timed-out turn ends the conversation (the applicant gives up); its
connection stays open so a late reply is still seen. ``HARNESS.stopping`` makes
users finish their turn in flight and send nothing more.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import socketio
from locust import User, constant, events, task

from bench.load.accounting import Recorder, Reply, Turn
from bench.load.messages import conversation, pick_scenario

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ids = itertools.count(1)
_update_ids = itertools.count(1)


@dataclass
class Harness:
    """What the users need to know; run.py fills it in before starting them."""

    recorder: Recorder = field(default_factory=Recorder)
    nginx_url: str = "http://127.0.0.1:8100"
    fake_url: str = "http://127.0.0.1:0"
    rest_token: str = ""
    telegram_secret: str = ""
    timeout: float = 30.0
    think: tuple[float, float] = (1.0, 3.0)
    seed: int = 14
    stopping: bool = False
    in_flight: int = 0
    parked: list[Any] = field(default_factory=list)  # sockets of abandoned conversations
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.recorder = Recorder()
        self.stopping = False
        self.in_flight = 0
        self.parked = []


HARNESS = Harness()


def report(channel: str, started: float, replies: list[Reply], error: Exception | None) -> None:
    """Locust's own statistics (the accounting does not depend on them)."""
    latency = (replies[0].at - started) * 1000 if replies else (time.time() - started) * 1000
    events.request.fire(
        request_type=channel,
        name="turn",
        response_time=latency,
        response_length=len(replies),
        exception=error or (None if replies else TimeoutError("no reply")),
        context={},
    )


class Applicant(User):
    """One applicant at a time: a conversation, then the next applicant."""

    abstract = True
    wait_time = constant(0)
    channel = ""
    private = True  # the intake asks for a registration number on private channels only

    def on_start(self) -> None:
        self.rng = random.Random(HARNESS.seed * 1_000_003 + next(_ids))

    @task
    def hold_conversation(self) -> None:
        if HARNESS.stopping:
            time.sleep(0.5)
            return
        scenario = pick_scenario(self.rng)
        self.conversation = self.open()
        script = conversation(self.rng, scenario, self.private)
        abandoned = False
        try:
            message = next(script)
            while not HARNESS.stopping:
                replies = self.turn(message, scenario)
                if not replies:
                    abandoned = True  # the applicant gives up on this conversation
                    break
                time.sleep(self.rng.uniform(*HARNESS.think))
                message = script.send(replies)
        except StopIteration:
            pass
        finally:
            self.close(abandoned)
        time.sleep(self.rng.uniform(*HARNESS.think))

    def turn(self, message: str, scenario: str) -> list[Reply]:
        recorder = HARNESS.recorder
        index = recorder.count(self.channel, self.conversation)
        turn = Turn(self.channel, self.conversation, "", message, time.time(), scenario=scenario)
        with HARNESS.lock:
            HARNESS.in_flight += 1
        error: Exception | None = None
        replies: list[Reply] = []
        try:
            self.send(turn)
            recorder.turn(turn)
            if turn.accepted:
                replies = recorder.wait(
                    self.channel,
                    self.conversation,
                    index,
                    HARNESS.timeout - (time.time() - turn.sent_at),
                )
        except Exception as exc:  # a broken client must not kill the user
            error = exc
        finally:
            with HARNESS.lock:
                HARNESS.in_flight -= 1
        report(self.channel, turn.sent_at, replies, error)
        return replies

    # channel specifics
    def open(self) -> str:
        raise NotImplementedError

    def send(self, turn: Turn) -> None:
        raise NotImplementedError

    def close(self, abandoned: bool) -> None:
        pass


class RestUser(Applicant):
    weight = 2
    channel = "rest"

    def on_start(self) -> None:
        super().on_start()
        self.http = requests.Session()

    def open(self) -> str:
        # Letters only: a run of hex digits can look like a phone number, and a sender
        # with personal data in it is refused (400), rightly.
        return "load-" + "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(14))

    def send(self, turn: Turn) -> None:
        turn.turn_id = uuid.uuid4().hex
        try:
            response = self.http.post(
                f"{HARNESS.nginx_url}/webhooks/rest/webhook",
                json={"sender": self.conversation, "message": turn.text},
                headers={"Authorization": f"Bearer {HARNESS.rest_token}"},
                timeout=HARNESS.timeout,
            )
        except requests.RequestException:
            turn.http_errors += 1
            return
        at = time.time()
        if not response.ok:
            turn.http_errors += 1
            return
        turn.accepted = True
        for message in response.json():
            HARNESS.recorder.reply(
                Reply(
                    self.channel,
                    self.conversation,
                    at,
                    message.get("text") or "",
                    turn_id=turn.turn_id,
                    buttons=[b.get("payload", "") for b in message.get("buttons") or []],
                )
            )


class TelegramUser(Applicant):
    weight = 3
    channel = "telegram"
    attempts = 4  # Telegram redelivers an update the webhook did not accept

    def on_start(self) -> None:
        super().on_start()
        self.http = requests.Session()

    def open(self) -> str:
        self.chat_id = 700_000_000 + next(_ids) * 97 + self.rng.randint(0, 96)
        return str(self.chat_id)

    def send(self, turn: Turn) -> None:
        update_id = next(_update_ids) + int(HARNESS.seed) * 10_000_000
        turn.turn_id = str(update_id)
        now = int(time.time())
        if turn.text.startswith("/"):  # a button press
            update = {
                "update_id": update_id,
                "callback_query": {
                    "id": f"cb{update_id}",
                    "chat_instance": "load",
                    "data": turn.text,
                    "from": {"id": self.chat_id, "is_bot": False, "first_name": "Pelamar"},
                    "message": {
                        "message_id": 1,
                        "date": now,
                        "chat": {"id": self.chat_id, "type": "private"},
                        "text": "(tombol)",
                    },
                },
            }
        else:
            update = {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": now,
                    "chat": {"id": self.chat_id, "type": "private", "first_name": "Pelamar"},
                    "from": {"id": self.chat_id, "is_bot": False, "first_name": "Pelamar"},
                    "text": turn.text,
                },
            }
        for attempt in range(1, self.attempts + 1):
            turn.attempts = attempt
            retry_after = 2.0
            try:
                response = self.http.post(
                    f"{HARNESS.nginx_url}/webhooks/telegram/webhook",
                    json=update,
                    headers={TELEGRAM_SECRET_HEADER: HARNESS.telegram_secret},
                    timeout=HARNESS.timeout,
                )
                try:
                    outcome = response.json().get("status", "")
                except ValueError:
                    outcome = ""
                turn.responses.append(f"{response.status_code} {outcome}".strip())
                if response.ok:
                    turn.accepted = True
                    return
                turn.http_errors += 1
                retry_after = float(response.headers.get("Retry-After") or retry_after)
            except requests.RequestException as error:
                turn.responses.append(type(error).__name__)
                turn.http_errors += 1
            if attempt < self.attempts:
                time.sleep(retry_after)


class XUser(Applicant):
    weight = 1
    channel = "x"
    private = False

    def on_start(self) -> None:
        super().on_start()
        self.http = requests.Session()

    def open(self) -> str:
        return str(5_000_000 + next(_ids) * 97 + self.rng.randint(0, 96))

    def send(self, turn: Turn) -> None:
        try:
            response = self.http.post(
                f"{HARNESS.fake_url}/_load/x/mention",
                json={"author": self.conversation, "text": turn.text},
                timeout=10,
            )
            response.raise_for_status()
        except requests.RequestException:
            turn.http_errors += 1
            return
        turn.turn_id = response.json()["id"]
        turn.accepted = True


class WebChatUser(Applicant):
    """Does what the page (channels/webchat/static/chat.js) does: every message has an
    id and stays pending until the server acknowledges its turn; when the socket
    drops, it connects again (through nginx: another instance if this one died),
    asks for the same session and sends what is pending again."""

    weight = 4
    channel = "webchat"
    RECONNECT_ATTEMPTS = 10

    def open(self) -> str:
        # The server's name for the conversation once the session is confirmed, so a lost
        # turn can be found in the message log; a parked socket keeps its own name.
        self.name = {"id": f"wc-{uuid.uuid4().hex[:12]}"}
        self.token: str | None = None
        self.pending: dict[str, str] = {}  # message id -> text, until acknowledged
        self.client = self._connect(None)
        return self.name["id"]

    def _connect(self, proposal: str | None) -> socketio.Client:
        """A socket with a confirmed session (``proposal`` when it is still valid)."""
        confirmed = threading.Event()
        client = socketio.Client(reconnection=False)
        client.closing = False  # set when we close it ourselves

        @client.on("session_confirm")
        def on_confirm(token: Any) -> None:
            self.token = token
            if isinstance(token, str) and "." in token and proposal is None:
                self.name["id"] = f"webchat:{token.split('.')[0]}"
            confirmed.set()

        @client.on("bot_uttered")
        def on_reply(message: Any) -> None:
            message = message if isinstance(message, dict) else {"text": str(message)}
            HARNESS.recorder.reply(
                Reply(
                    self.channel,
                    self.name["id"],
                    time.time(),
                    message.get("text") or "",
                    buttons=[b.get("payload", "") for b in message.get("quick_replies") or []],
                )
            )

        @client.on("disconnect")
        def on_disconnect(*_: Any) -> None:
            # Not our own close, nor an old socket a reconnect replaced.
            if client is self.client and not client.closing:
                self.dropped()

        try:
            # nginx's ip_hash keys on the first three octets of the client address: every
            # conversation from its own 127.x.y.1, as browsers come from many addresses.
            n = next(_ids)
            host, port = urlsplit(HARNESS.nginx_url).hostname, urlsplit(HARNESS.nginx_url).port
            sock = socket.create_connection(
                (host, port), HARNESS.timeout, source_address=(f"127.{1 + n % 200}.{n % 250}.1", 0)
            )
            client.eio.websocket_extra_options = {"socket": sock}
            client.connect(
                HARNESS.nginx_url,
                transports=["websocket"],
                socketio_path="socket.io",  # websocket-client sends Origin: <nginx_url>
                wait_timeout=HARNESS.timeout,
            )
            client.emit("session_request", {"session_id": proposal})
            confirmed.wait(HARNESS.timeout)
        except Exception:  # counted when the turn cannot be sent
            if proposal is None:
                self.token = None
        return client

    def dropped(self) -> None:
        """The socket dropped: connect again for what is still pending."""
        if self.pending:
            threading.Thread(target=self._reconnect, args=(self.client,), daemon=True).start()

    def _reconnect(self, lost: socketio.Client) -> None:
        for attempt in range(self.RECONNECT_ATTEMPTS):
            time.sleep(0.5 + attempt)
            if lost.closing or lost is not self.client:  # the conversation moved on
                return
            client = self._connect(self.token)
            if client.connected:
                self.client = client
                for message_id, text in list(self.pending.items()):
                    self._emit(message_id, text)
                return

    def _emit(self, message_id: str, text: str) -> None:
        def acknowledged(ack: Any = None) -> None:
            if isinstance(ack, dict) and ack.get("status") == "busy":
                threading.Timer(
                    float(ack.get("retry_after") or 5), self._resend, (message_id,)
                ).start()
                return
            self.pending.pop(message_id, None)

        self.client.emit(
            "user_uttered",
            {"message": text, "session_id": self.token, "message_id": message_id},
            callback=acknowledged,
        )

    def _resend(self, message_id: str) -> None:
        if message_id in self.pending and self.client.connected:
            with contextlib.suppress(Exception):
                self._emit(message_id, self.pending[message_id])

    def send(self, turn: Turn) -> None:
        turn.turn_id = uuid.uuid4().hex
        if not self.token or not self.client.connected:
            turn.http_errors += 1
            return
        self.pending[turn.turn_id] = turn.text
        try:
            self._emit(turn.turn_id, turn.text)
        except Exception:
            self.pending.pop(turn.turn_id, None)
            turn.http_errors += 1
            return
        turn.accepted = True

    def close(self, abandoned: bool) -> None:
        if abandoned and self.client.connected:
            with HARNESS.lock:
                HARNESS.parked.append(self.client)  # a late reply still counts
            return
        self.client.closing = True
        with contextlib.suppress(Exception):
            self.client.disconnect()


USER_CLASSES = [WebChatUser, TelegramUser, XUser, RestUser]


def close_parked() -> None:
    for client in HARNESS.parked:
        with contextlib.suppress(Exception):
            client.disconnect()
    HARNESS.parked = []
