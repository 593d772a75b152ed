"""Rasa's HTTP API as far as the console uses it: a tracker per conversation with its
events, and appending events (pause, resume, an agent's message)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeRasa:
    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.broken: set[str] = set()  # conversations whose tracker comes back as garbage
        self.delay = 0.0  # seconds every answer takes (a slow or hanging Rasa)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def say(self, conversation_id: str, text: str) -> None:
        """The applicant writes (as the gate let it through)."""
        self.events[conversation_id].append(
            {"event": "user", "text": text, "timestamp": time.time()}
        )

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        events, broken, fake = self.events, self.broken, self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _conversation(self) -> str:
                return self.path.split("?")[0].split("/")[2]

            def _answer(self, body: Any) -> None:
                time.sleep(fake.delay)
                data = (
                    b"<html>oops" if self._conversation() in broken else json.dumps(body).encode()
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                conversation = self._conversation()
                self._answer(
                    {"latest_input_channel": "webchat", "events": list(events[conversation])}
                )

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for event in body:
                    events[self._conversation()].append({**event, "timestamp": time.time()})
                self._answer({})

        return Handler
