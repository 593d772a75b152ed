"""The runtime fixes for Rasa keep Rasa's behaviour."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.exc import OperationalError

from channels import rasa_patches  # installs the fixes
from channels.turn import start_turn


class FlakyActionServer:
    """An action server whose first ``drops`` calls die mid-call (as under kill -9),
    or answer ``status`` (a load balancer's 502), then answer normally."""

    def __init__(self, drops: int = 1, status: int | None = None) -> None:
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls += 1
                if outer.calls <= drops and status is None:
                    self.connection.shutdown(socket.SHUT_RDWR)  # no answer at all
                    self.close_connection = True
                    return
                code = status if outer.calls <= drops else 200
                body = json.dumps({"events": [], "responses": [{"text": "jawaban"}]}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_action(name: str, server: FlakyActionServer) -> list[str]:
    """Run one remote action in a channel's turn; the texts of the bot events."""
    domain = Domain.from_path("domain.yml")
    action = RemoteAction(name, EndpointConfig(server.url))
    tracker = DialogueStateTracker("rest:u1", domain.slots)
    tracker.update(UserUttered("halo"))

    async def main() -> list[Event]:
        start_turn()
        return await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain.responses),
            tracker,
            domain,
        )

    return [e.text for e in asyncio.run(main()) if isinstance(e, BotUttered)]


@pytest.mark.parametrize("status", [None, 502])
def test_an_action_server_killed_mid_call_is_tried_once_more(status):
    server = FlakyActionServer(drops=1, status=status)
    try:
        assert run_action("action_answer", server) == ["jawaban"]
    finally:
        server.stop()
    assert server.calls == 2


def test_an_action_that_failed_for_real_or_rates_gets_the_apology_without_a_retry():
    for name, status in (("action_answer", 500), ("action_store_rating", None)):
        server = FlakyActionServer(drops=1, status=status)
        try:
            assert run_action(name, server) == [rasa_patches.ACTION_SERVER_DOWN_TEXT]
        finally:
            server.stop()
        assert server.calls == 1


class BrokenStore(InMemoryTrackerStore):
    """A tracker store whose database is unreachable."""

    async def save(self, tracker) -> None:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    async def retrieve(self, sender_id: str):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))


def test_a_tracker_store_failure_fails_the_turn_instead_of_starting_over_in_memory():
    domain = Domain.from_path("domain.yml")
    store = FailSafeTrackerStore(BrokenStore(domain))  # what Rasa's Agent wraps it in
    with pytest.raises(OperationalError):
        asyncio.run(store.retrieve("rest:u1"))  # Rasa: None, a new conversation
    with pytest.raises(OperationalError):
        asyncio.run(store.save(DialogueStateTracker("rest:u1", domain.slots)))  # Rasa: memory
