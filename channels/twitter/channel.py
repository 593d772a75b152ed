"""X (Twitter) mentions reach Rasa through ``POST /webhooks/twitter/webhook``, called by
the mention poller (``sscn twitter poll``), never by X itself.

A mention is handled once: the message log holds one row per tweet id, and the
reply parts (a thread that fits X's limits, personal data removed) are stored
before the poller posts them. A mention sent again returns the stored parts
without running the dialogue again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import os
import re
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.inbound import prepare_inbound
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import RECEIVED, MessageLog
from bot.tweets import thread_parts
from channels.inbound import user_message

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-SSCN-Poller-Token"
TWEET_ID = re.compile(r"^\d{1,25}$")


class TwitterOutput(OutputChannel):
    """Queues messages for a conversation as reply parts; the poller posts them."""

    def __init__(self, log: MessageLog, author: str = "agent") -> None:
        self._log = log
        self._author = author

    @classmethod
    def name(cls) -> str:
        return "twitter"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._queue(recipient_id, {"text": text}, kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._queue(recipient_id, {"text": text, "buttons": buttons}, kwargs)

    async def _queue(self, recipient_id: str, message: dict, extra: dict[str, Any]) -> None:
        mention = await asyncio.to_thread(self._log.latest_inbound, "twitter", recipient_id)
        if mention is None:
            logger.error("twitter: no mention of %s to reply to; message dropped", recipient_id)
            return
        author = extra.get("author") or self._author
        await asyncio.to_thread(self._log.add_parts, mention, thread_parts([message]), author)


class TwitterInput(InputChannel):
    def __init__(self, poller_token: str | None) -> None:
        self.poller_token = poller_token
        if not poller_token:
            logger.warning("twitter: SSCN_POLLER_TOKEN is not set; the webhook refuses everything")

    @classmethod
    def name(cls) -> str:
        return "twitter"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwitterInput:
        return cls(os.environ.get("SSCN_POLLER_TOKEN") or None)

    @cached_property
    def log(self) -> MessageLog:
        return MessageLog(make_sessionmaker(make_engine()))

    def get_output_channel(self) -> OutputChannel:
        return TwitterOutput(self.log)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sscn_twitter_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(TOKEN_HEADER, "")
            if not self.poller_token or not hmac.compare_digest(
                given.encode(), self.poller_token.encode()
            ):
                return response.json({"error": "wrong or missing poller token"}, status=403)
            body, error = _parse(request)
            if error:
                return response.json({"error": error}, status=400)
            metadata = body.get("metadata") or {}
            at = _time(metadata.get("created_at"))
            mention, _ = await asyncio.to_thread(
                self.log.receive,
                "twitter",
                body["sender"],
                metadata["tweet_id"],
                body["message"],
                at,
            )
            if mention.status == RECEIVED:
                inbound = prepare_inbound(body["message"])
                collector = CollectingOutputChannel()
                if inbound is not None:
                    await on_new_message(
                        user_message(inbound, collector, body["sender"], self.name(), metadata)
                    )
                parts = thread_parts(collector.messages)
                await asyncio.to_thread(self.log.add_parts, mention, parts)
            stored = await asyncio.to_thread(self.log.parts, mention.id)
            return response.json(
                {
                    "inbound_id": mention.id,
                    "parts": [{"id": p.id, "text": p.text, "status": p.status} for p in stored],
                }
            )

        return webhook


def _parse(request: Request) -> tuple[dict[str, Any], str | None]:
    try:
        body = request.json
    except Exception:
        return {}, "body is not valid JSON"
    if not isinstance(body, dict):
        return {}, "body must be a JSON object"
    if not isinstance(body.get("sender"), str) or not TWEET_ID.match(body["sender"]):
        return {}, "'sender' must be the author's numeric id"
    if not isinstance(body.get("message"), str):
        return {}, "'message' must be a string"
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not TWEET_ID.match(str(metadata.get("tweet_id", ""))):
        return {}, "'metadata.tweet_id' must be the mention's numeric id"
    return body, None


def _time(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
