"""A local fake of the Telegram Bot API, reached over real HTTP via ``Bot(base_url=...)``,
and the updates Telegram delivers. Standard library only (the load venv imports it)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "SSCN Helpdesk", "username": "sscn_bot"}


UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
BLOCKED = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


class BotApi:
    """The Bot API methods the product calls, answered the way Telegram does (no HTTP).

    ``updates`` feeds ``getUpdates`` (offset honoured)."""

    def __init__(self, token: str = TOKEN, bot_user: dict[str, Any] | None = None) -> None:
        self.token = token
        self.bot_user = bot_user or BOT_USER
        self.updates: list[dict[str, Any]] = []
        self._message_id = 0
        self._api_lock = threading.Lock()

    def method(self, path: str) -> str | None:
        """The method a request path names (``/bot<token>/<method>``), None for a wrong token."""
        prefix = f"/bot{self.token}/"
        return path[len(prefix) :] if path.startswith(prefix) else None

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and body Telegram answers ``method`` with."""
        if method == "getMe":
            return 200, {"ok": True, "result": self.bot_user}
        if method == "sendMessage":
            with self._api_lock:
                self._message_id += 1
                message_id = self._message_id
            return 200, {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "from": self.bot_user,
                    "text": params.get("text", ""),
                },
            }
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            return 200, {
                "ok": True,
                "result": [u for u in self.updates if u["update_id"] >= offset],
            }
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return 200, {"ok": True, "result": True}
        return 400, {"ok": False, "error_code": 400, "description": f"fake: no {method}"}


class FakeTelegram(BotApi):
    """A local Bot API over real HTTP (``Bot(base_url=fake.base_url)``) that records
    every call.

    ``fail(method, retry_after)`` makes the next call of ``method`` answer 429 with
    ``retry_after``; ``block(chat_id)`` makes ``sendMessage`` to that chat answer 403
    as for a user who blocked the bot; ``delay`` holds every ``sendMessage`` answer
    that many seconds; ``arrivals`` has the monotonic time and chat of every
    ``sendMessage`` request (refused ones too), to measure rates.
    """

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(token)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.arrivals: list[tuple[float, int]] = []
        self.delay = 0.0
        self._blocked: set[int] = set()
        self._failures: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/bot"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, method: str, retry_after: int) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append(retry_after)

    def block(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.add(chat_id)

    def calls_to(self, method: str, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                params
                for name, params in self.calls
                if name == method and (chat_id is None or int(params.get("chat_id", 0)) == chat_id)
            ]

    def wait_for(self, method: str, chat_id: int, count: int, timeout: float = 20) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method, chat_id)
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        raise AssertionError(f"{method} to {chat_id}: {self.calls_to(method, chat_id)}")

    def _recorded_answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and self.delay:
            time.sleep(self.delay)
        with self._lock:
            chat = int(params.get("chat_id") or 0) if method == "sendMessage" else None
            if chat is not None:
                self.arrivals.append((time.monotonic(), chat))
                if chat in self._blocked:
                    return 403, BLOCKED
            pending = self._failures.get(method)
            if pending:
                retry_after = pending.pop(0)
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                }
            self.calls.append((method, params))
        return self.answer(method, params)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                method = fake.method(self.path)
                if method is None:
                    return reply(self, 401, UNAUTHORIZED)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params = parse_params(self.headers.get("Content-Type", ""), body)
                reply(self, *fake._recorded_answer(method, params))

        return Handler


def reply(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    """Answer a request with ``payload`` as JSON."""
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def parse_params(content_type: str, body: str) -> dict[str, Any]:
    """A Bot API call's parameters: JSON, or (as PTB posts them) form fields whose
    values are JSON or plain strings."""
    if content_type.startswith("application/json"):
        return json.loads(body or "{}")
    params: dict[str, Any] = {}
    for key, values in parse_qs(body).items():
        try:
            params[key] = json.loads(values[0])
        except ValueError:
            params[key] = values[0]
    return params


def text_update(update_id: int, chat_id: int, text: str, first_name: str = "Budi") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
            "text": text,
        },
    }


def callback_update(update_id: int, chat_id: int, data: str) -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "chat_instance": "ci",
            "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Budi"},
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "Apakah jawaban ini membantu?",
            },
        },
    }


def photo_update(update_id: int, chat_id: int) -> dict:
    update = text_update(update_id, chat_id, "x")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 9, "height": 9}]
    return update
