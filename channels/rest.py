"""The REST channel (``/webhooks/rest/webhook``), hardened.

Same contract as Rasa's built-in one (``{"sender", "message", "metadata"}`` in,
a JSON list of bot messages out), but malformed payloads get a 400 with a
reason instead of a stack trace, and every text passes the privacy gate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.inbound import prepare_inbound
from channels.inbound import user_message

logger = logging.getLogger(__name__)
SENDER_PATTERN = re.compile(r"^[\w.:@+\-]{1,128}$")


def parse_payload(request: Request) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON body as a dict, or an error message for the client."""
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage on bad JSON
        return None, "body is not valid JSON"
    if not isinstance(body, dict):
        return None, "body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        return None, "'sender' must be 1-128 letters, digits or ._:@+-"
    if not isinstance(body.get("message"), str):
        return None, "'message' must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return None, "'metadata' must be an object"
    return body, None


class RestInput(InputChannel):
    """Request-response channel used by tests, the benchmark and integrations."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sscn_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, error = parse_payload(request)
            if error:
                return response.json({"error": error}, status=400)
            inbound = prepare_inbound(body["message"])
            if inbound is None:  # empty message: nothing to answer
                return response.json([])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    user_message(
                        inbound, collector, body["sender"], self.name(), body.get("metadata")
                    )
                )
            except Exception:
                logger.exception("rest: message from %s could not be handled", body["sender"])
                return response.json({"error": "message could not be handled"}, status=500)
            return response.json(collector.messages)

        return webhook
