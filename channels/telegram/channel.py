"""The Telegram channel: ``POST /webhooks/telegram/webhook`` receives Bot API updates.

Updates are parsed with python-telegram-bot's types without running its
Application. Each ``update_id`` is recorded and claimed in the message log
first (atomically in the database, so across Rasa instances too), so an update
Telegram delivers again (after a timeout, a restart or from the poller) is
answered once:

- a copy of an update already answered gets 200 ``{"status": "duplicate"}``;
- a copy that arrives while another is being handled gets 503 with
  ``Retry-After``: Telegram (or the poller) delivers it again later and then
  sees "duplicate", or handles it if the first attempt failed;
- an update whose handling failed answers 500, stays "received" and its claim
  is released: Telegram's retry handles it again. That holds for every failure
  (tracker store or lock store down, Bot API refusing, the request cancelled when
  nginx gives up on it); a killed handler's claim, renewed only while it runs,
  expires within ``LIVE_CLAIM_SECONDS`` (channels/records.py).

The replies of a turn are sent once Rasa has saved its tracker (``hold_replies``,
``channels/turn.py``): a turn that fails before that has sent nothing, so the
redelivery is answered exactly once (docs/FAULTS.md).

The conversation is ``telegram:<chat id>`` (``bot/conversations.py``); only the
chat id goes to the Bot API.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot

from bot.config import Settings, current_settings
from bot.conversations import conversation_id, platform_id
from bot.inbound import InboundText, prepare_inbound
from bot.ledger.messages import BUSY, DONE
from bot.vocabulary import Channel
from channels.inbound import user_message
from channels.records import ChannelRecords
from channels.telegram.sender import TelegramSender, telegram_bot
from channels.telegram.updates import Incoming, parse_update
from channels.turn import current_turn, deliver, end_turn

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHANNEL = Channel.TELEGRAM
BUSY_RETRY_SECONDS = 5
TEXT_ONLY_NOTE = (
    "Maaf, saya hanya bisa membaca pesan teks 🙏 Silakan tuliskan pertanyaan atau kendala Anda."
)


class TelegramOutput(OutputChannel):
    """Sends to one Telegram chat and records every message sent."""

    def __init__(
        self,
        sender: TelegramSender,
        records: ChannelRecords,
        author: str = "bot",
        reply_to_id: int | None = None,
    ) -> None:
        self._sender = sender
        self._records = records
        self._author = author
        self._reply_to_id = reply_to_id

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None, kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, buttons, kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image, None, kwargs)

    async def _send(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]] | None,
        extra: dict[str, Any],
    ) -> None:
        """Send to the conversation's chat; an id of another channel is refused."""
        chat_id = platform_id(recipient_id, CHANNEL)
        author = extra.get("author") or self._author

        async def send() -> None:
            await self._sender.send_text(chat_id, text, buttons)
            await self._records.sent(recipient_id, text, author, self._reply_to_id)

        await deliver(send)  # held until the turn is saved, in a webhook's turn


class TelegramInput(InputChannel):
    def __init__(
        self,
        token: str | None,
        secret: str | None,
        api_base_url: str,
        max_message_chars: int | None = None,
    ) -> None:
        self.token = token
        self.secret = secret
        self.api_base_url = api_base_url
        self.max_message_chars = max_message_chars
        self._bot: Bot | None = None
        self.records = ChannelRecords(CHANNEL)
        if not token or not secret:
            logger.warning(
                "telegram: TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET must both be set; "
                "the webhook refuses every update until they are"
            )

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """Secrets come from ``bot.config``, never from credentials.yml."""
        return cls.from_settings(current_settings())

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramInput:
        return cls(
            settings.telegram_token or None,
            settings.telegram_webhook_secret or None,
            settings.telegram_api_base_url,
            settings.max_message_chars,
        )

    @property
    def sender(self) -> TelegramSender:
        if self._bot is None:
            self._bot = telegram_bot(self.token or "", self.api_base_url)
        return TelegramSender(self._bot)

    def get_output_channel(self) -> OutputChannel | None:
        """For messages not triggered by an update: agents' replies via Rasa's API."""
        if not self.token:
            return None
        return TelegramOutput(self.sender, self.records, author="agent")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sscn_telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.token and self.secret)})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
                return response.json({"error": "wrong or missing secret token"}, status=403)
            if not self.token:
                return response.json({"error": "TELEGRAM_TOKEN is not set"}, status=503)
            try:
                incoming = parse_update(request.json)
            except Exception as error:  # bad JSON or not an update
                return response.json({"error": str(error) or "body is not valid JSON"}, status=400)
            if incoming is None:
                return response.json({"status": "ignored"})
            gated = prepare_inbound(
                incoming.text, self.max_message_chars
            )  # recorded and answered as gated
            admission = await self.records.inbound(
                conversation_id(CHANNEL, incoming.chat_id),
                gated.text if gated else "",
                str(incoming.update_id),
                incoming.at,
                hold_replies=True,
            )
            try:
                if admission.outcome == DONE:
                    return response.json({"status": "duplicate"})
                if admission.outcome == BUSY:
                    return response.json(
                        {"error": "update is being handled; deliver it again later"},
                        status=503,
                        headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
                    )
                try:
                    await self._handle(incoming, gated, on_new_message, admission.row_id)
                except Exception:
                    logger.exception("telegram: update %s could not be handled", incoming.update_id)
                    await self.records.release(admission.row_id)
                    return response.json({"error": "update could not be handled"}, status=500)
                except BaseException:  # cancelled (the client gave up): Telegram redelivers
                    logger.warning("telegram: update %s cancelled mid-turn", incoming.update_id)
                    await asyncio.shield(self.records.release(admission.row_id))
                    raise
                await self.records.answered(admission.row_id)
            finally:
                end_turn()
            return response.json({"status": "ok"})

        return webhook

    async def _handle(
        self,
        incoming: Incoming,
        inbound: InboundText | None,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        record: int | None,
    ) -> None:
        """Answer one admitted update; ``inbound`` is its text after the gate."""
        sender = self.sender
        if incoming.callback_query_id:
            await sender.answer_callback(incoming.callback_query_id)
        if not incoming.private:
            return  # the helpdesk answers in private chats only
        output = TelegramOutput(sender, self.records, author="bot", reply_to_id=record)
        conversation = conversation_id(CHANNEL, incoming.chat_id)
        if incoming.kind == "unsupported":
            await output.send_text_message(conversation, TEXT_ONLY_NOTE)
            await _send_held()
            return
        if inbound is None:
            return
        metadata = {"display_name": incoming.display_name, "telegram_update_id": incoming.update_id}
        await on_new_message(user_message(inbound, output, conversation, self.name(), metadata))
        await _send_held()


async def _send_held() -> None:
    """Send replies held for a turn that saved no tracker (no dialogue ran)."""
    turn = current_turn()
    if turn is not None and not turn.saved:
        await turn.replies_saved()
