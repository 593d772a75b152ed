"""X (Twitter) mentions reach Rasa through ``POST /webhooks/twitter/webhook``, called by
the mention poller (``sscn twitter poll``), never by X itself.

Request: ``{"sender": author_id, "message": text, "metadata": {"tweet_id", "username",
"display_name", "created_at"}}`` with the header ``X-SSCN-Poller-Token``.
Response: ``{"status", "inbound_id", "parts": [{"id", "part", "text", "status"}]}``.

A mention is handled once: the message log holds one row per tweet id, and the
reply parts (a thread that fits X's limits, personal data removed) are stored
before the poller posts them. A mention sent again returns the stored parts
without running the dialogue again. Only the request that holds the row's claim
(taken atomically in the database, so across Rasa instances too) runs the
dialogue; a copy sent meanwhile gets 503 with ``Retry-After`` and the poller
sends it again in its next round. A failed run releases the claim (500, the
mention stays "received" and runs again), a cancelled one too; the claim lives
``LIVE_CLAIM_SECONDS`` and is renewed while the dialogue runs, so a killed one's
expires within seconds (channels/records.py). Replies are stored only after the
turn's tracker was saved, so a failed run has stored none.

The conversation is ``twitter:<author id>`` (``bot/conversations.py``); replies
are threaded by tweet id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
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

from bot.config import current_settings
from bot.conversations import conversation_id, platform_id
from bot.inbound import InboundText, prepare_inbound
from bot.ledger.messages import ADMITTED, BUSY, PROCESSED, Message, MessageLog
from bot.services import process_services
from bot.tweets import thread_parts
from bot.vocabulary import Channel
from channels.inbound import user_message
from channels.records import live_lease, release_claim, renew_claim
from channels.turn import end_turn, start_turn

logger = logging.getLogger(__name__)
CHANNEL = Channel.TWITTER
TOKEN_HEADER = "X-SSCN-Poller-Token"
TOKEN_ENV = "SSCN_POLLER_TOKEN"
NUMERIC_ID = re.compile(r"^\d{1,25}$")
METADATA_FIELDS = ("tweet_id", "username", "display_name", "created_at")
BUSY_RETRY_SECONDS = 5


class TwitterOutput(OutputChannel):
    """Queues messages to a conversation as reply parts; the poller posts them on X.

    Used for messages the bot did not trigger from a mention, e.g. an agent's reply
    sent through Rasa's HTTP API with ``output_channel=latest``: they answer the
    applicant's latest mention, threaded after what was already posted.
    """

    def __init__(self, log: MessageLog, author: str = "agent") -> None:
        self._log = log
        self._author = author

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._queue(recipient_id, {"text": text}, kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._queue(recipient_id, {"text": text, "buttons": buttons}, kwargs)

    async def _queue(self, recipient_id: str, message: dict, extra: dict[str, Any]) -> None:
        platform_id(recipient_id, CHANNEL)  # an id of another channel is refused
        parts = thread_parts([message])
        if not parts:
            return
        mention = await asyncio.to_thread(self._log.latest_inbound, CHANNEL, recipient_id)
        if mention is None:
            logger.error("twitter: no mention from %s to reply to; message dropped", recipient_id)
            return
        author = extra.get("author") or self._author
        await asyncio.to_thread(self._log.add_parts, mention, parts, author)


class TwitterInput(InputChannel):
    """The webhook the mention poller posts to; answers with the reply parts to post."""

    def __init__(
        self,
        poller_token: str | None = None,
        log: MessageLog | None = None,
        max_message_chars: int | None = None,
    ) -> None:
        self.poller_token = poller_token
        self._log = log
        self.max_message_chars = max_message_chars
        self._missing_token_logged = False

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwitterInput:
        """Settings come from ``bot.config``, never from credentials.yml."""
        settings = current_settings()
        return cls(settings.poller_token or None, None, settings.max_message_chars)

    @property
    def log(self) -> MessageLog:
        if self._log is None:
            self._log = process_services().message_log
        return self._log

    def get_output_channel(self) -> OutputChannel:
        return TwitterOutput(self.log)

    def _authorised(self, request: Request) -> bool:
        if not self.poller_token:
            if not self._missing_token_logged:
                self._missing_token_logged = True
                logger.error("twitter: %s is not set; the webhook refuses every call", TOKEN_ENV)
            return False
        given = request.headers.get(TOKEN_HEADER) or ""
        return hmac.compare_digest(given.encode(), self.poller_token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sscn_twitter_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "wrong or missing poller token"}, status=403)
            body, error = parse_payload(request)
            if error:
                return response.json({"error": error}, status=400)
            metadata = {k: body["metadata"].get(k) for k in METADATA_FIELDS}
            metadata["tweet_id"] = tweet_id = str(metadata["tweet_id"])
            sender = conversation_id(CHANNEL, body["sender"])
            inbound = prepare_inbound(
                body["message"], self.max_message_chars
            )  # the privacy gate, before any record
            lease = live_lease(self.log)
            mention, outcome = await asyncio.to_thread(
                self.log.admit,
                CHANNEL,
                sender,
                tweet_id,
                inbound.text if inbound else "",
                parse_time(metadata.get("created_at")),
                lease,
            )
            if outcome == BUSY:
                return response.json(
                    {"error": "mention is being handled; send it again later"},
                    status=503,
                    headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
                )
            if outcome == ADMITTED:
                claim = asyncio.get_running_loop().create_task(
                    renew_claim(self.log, mention.id, lease)
                )
                try:
                    mention = await self._answer_and_store(
                        on_new_message, mention, inbound, metadata
                    )
                except Exception:
                    logger.exception("twitter: mention %s could not be handled", tweet_id)
                    await release_claim(self.log, mention.id, CHANNEL)
                    return response.json({"error": "message could not be handled"}, 500)
                except BaseException:  # cancelled (the poller gave up): it sends it again
                    await asyncio.shield(release_claim(self.log, mention.id, CHANNEL))
                    raise
                finally:
                    claim.cancel()
            stored = await asyncio.to_thread(self.log.parts, mention.id)
            return response.json(
                {
                    "status": mention.status,
                    "inbound_id": mention.id,
                    "parts": [
                        {"id": p.id, "part": p.part, "text": p.text, "status": p.status}
                        for p in stored
                    ],
                }
            )

        return webhook

    async def _answer_and_store(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        mention: Message,
        inbound: InboundText | None,
        metadata: dict[str, Any],
    ) -> Message:
        """Run the dialogue on the claimed mention and store its replies as public
        reply parts (the mention becomes "processed"); the mention as stored. When the
        action server failed, the parts are the apology and the mention keeps the reason."""
        parts: list[str] = []
        turn = start_turn()
        try:
            if inbound is not None:  # None: nothing but handles, nothing to answer
                collector = CollectingOutputChannel()
                await on_new_message(
                    user_message(inbound, collector, mention.conversation_id, self.name(), metadata)
                )
                parts = thread_parts(collector.messages)
        finally:
            end_turn()
        await asyncio.to_thread(self.log.add_parts, mention, parts)
        if turn.failure:
            await asyncio.to_thread(self.log.set_status, mention.id, PROCESSED, turn.failure)
        return await asyncio.to_thread(self.log.get, mention.id)


def parse_payload(request: Request) -> tuple[dict[str, Any], str | None]:
    """The JSON body, or an error message for the poller."""
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage on bad JSON
        return {}, "body is not valid JSON"
    if not isinstance(body, dict):
        return {}, "body must be a JSON object"
    if not isinstance(body.get("sender"), str) or not NUMERIC_ID.match(body["sender"]):
        return {}, "'sender' must be the author's numeric id"
    if not isinstance(body.get("message"), str):
        return {}, "'message' must be a string"
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        return {}, "'metadata' must be an object with the mention's 'tweet_id'"
    if not NUMERIC_ID.match(str(metadata.get("tweet_id", ""))):
        return {}, "'metadata.tweet_id' must be the mention's numeric id"
    return body, None


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with its zone (X gives UTC, "...Z"); None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
