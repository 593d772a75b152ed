"""The REST channel (``/webhooks/rest/webhook``), hardened.

Same contract as Rasa's built-in one (``{"sender", "message", "metadata"}`` in,
a JSON list of bot messages out), but malformed payloads get a 400 with a
reason instead of a stack trace, and every text passes the privacy gate. A turn
that fails (tracker store or lock store unreachable) answers 503 with
``Retry-After`` and, as its one bot message, a short request to send the message
again (``TRY_AGAIN_TEXT``): a client that only shows the messages shows that.

It serves tests and integrations, so it is off (404) unless
``SSCN_REST_CHANNEL=1``. When on, it wants ``Authorization: Bearer
<SSCN_REST_TOKEN>`` if that is set, else it answers loopback clients only. The
conversation is ``rest:<sender>`` (``bot/conversations.py``): a REST client can
never reach the conversation or the cases of an applicant on another channel.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import current_settings
from bot.conversations import conversation_id
from bot.inbound import prepare_inbound
from bot.privacy import redact_personal_data
from bot.vocabulary import Channel
from channels.inbound import user_message
from channels.turn import TRY_AGAIN_TEXT

logger = logging.getLogger(__name__)
CHANNEL = Channel.REST
ENABLED_ENV = "SSCN_REST_CHANNEL"
TOKEN_ENV = "SSCN_REST_TOKEN"
SENDER_PATTERN = re.compile(r"^[\w.:@+\-]{1,128}$")
RETRY_AFTER_SECONDS = 5


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
    if redact_personal_data(sender) != sender:  # it would be stored as a conversation id
        return None, "'sender' must not contain a NIK, phone number or e-mail address"
    if not isinstance(body.get("message"), str):
        return None, "'message' must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return None, "'metadata' must be an object"
    return body, None


def is_loopback(address: str) -> bool:
    """127.0.0.0/8 or ::1 (also as an IPv4-mapped IPv6 address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class RestInput(InputChannel):
    """Request-response channel used by tests, the benchmark and integrations."""

    def __init__(
        self, enabled: bool = False, token: str | None = None, max_message_chars: int | None = None
    ) -> None:
        self.enabled = enabled
        self.token = token
        self.max_message_chars = max_message_chars

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        """Settings come from ``bot.config``, never from credentials.yml."""
        settings = current_settings()
        return cls(settings.rest_channel, settings.rest_token or None, settings.max_message_chars)

    def refusal(self, request: Request) -> HTTPResponse | None:
        """The answer for a request this channel must not serve, else None."""
        if not self.enabled:
            return response.json(
                {"error": f"the REST channel is off (set {ENABLED_ENV}=1 to turn it on)"},
                status=404,
            )
        if self.token:
            scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return None
            return response.json(
                {"error": "wrong or missing bearer token"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not is_loopback(request.ip):
            return response.json(
                {"error": f"only local clients, unless {TOKEN_ENV} is set"}, status=403
            )
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sscn_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return self.refusal(request) or response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self.refusal(request)
            if refused:
                return refused
            body, error = parse_payload(request)
            if error:
                return response.json({"error": error}, status=400)
            inbound = prepare_inbound(body["message"], self.max_message_chars)
            if inbound is None:  # empty message: nothing to answer
                return response.json([])
            sender = conversation_id(CHANNEL, body["sender"])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    user_message(inbound, collector, sender, self.name(), body.get("metadata"))
                )
            except Exception:
                logger.exception("rest: message from %s could not be handled", sender)
                return response.json(
                    [{"recipient_id": sender, "text": TRY_AGAIN_TEXT}],
                    status=503,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            return response.json(collector.messages)

        return webhook
