"""Socket.IO input channel for the web chat, with working session persistence.

Rasa 3.6's ``SocketIOInput`` calls ``sio.enter_room`` without ``await``; with
python-socketio >= 5.10 that is a coroutine, so with session persistence the
bot's replies never reach the browser (Rasa issue 13027). This channel awaits
it, validates what the browser sends, passes every text through the privacy
gate and serves the chat page at ``/webhooks/webchat/``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.inbound import prepare_inbound
from channels.inbound import user_message
from channels.records import ChannelRecords

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {
    "chat.js": "application/javascript",
    "chat.css": "text/css",
    "socket.io.min.js": "application/javascript",
}
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def valid_session_id(value: Any) -> str | None:
    """The session id if it is well formed, else None."""
    return value if isinstance(value, str) and SESSION_ID_PATTERN.match(value) else None


class RecordedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, recording every message sent in the message log."""

    def __init__(
        self,
        sio: AsyncServer,
        bot_message_evt: str,
        records: ChannelRecords,
        author: str = "bot",
        reply_to_id: int | None = None,
    ) -> None:
        super().__init__(sio, bot_message_evt)
        self._records = records
        self._author = author
        self._reply_to_id = reply_to_id

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        text = message.get("text")
        author = message.get("author") or self._author  # agents' messages carry one
        await super().send_response(recipient_id, message)
        if text:
            await self._records.sent(recipient_id, text, author, self._reply_to_id)


class WebChatInput(SocketIOInput):
    """The web chat channel; credentials as for Rasa's ``socketio`` channel."""

    records = ChannelRecords("webchat")

    def get_output_channel(self) -> SocketIOOutput | None:
        """For messages not triggered by the applicant: agents' replies via Rasa's API."""
        if self.sio is None:
            return None
        return RecordedSocketIOOutput(self.sio, self.bot_message_evt, self.records, "agent")

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return await response.file(STATIC_DIR / "index.html", mime_type="text/html")

        @webhook.route("/health", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return response.json({"error": "not found"}, status=404)
            return await response.file(STATIC_DIR / name, mime_type=STATIC_FILES[name])

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            requested = valid_session_id(data.get("session_id")) if isinstance(data, dict) else None
            session_id = requested or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("webchat: ignoring a malformed message from %s", sid)
                return
            if self.session_persistence:
                sender_id = valid_session_id(data.get("session_id"))
                if sender_id is None:
                    logger.warning("webchat: message without a valid session_id ignored")
                    return
            else:
                sender_id = sid
            inbound = prepare_inbound(data.get("message"))
            if inbound is None:
                return
            record = await self.records.inbound(sender_id, inbound.text)
            output = RecordedSocketIOOutput(
                sio, self.bot_message_evt, self.records, reply_to_id=record
            )
            await on_new_message(
                user_message(inbound, output, sender_id, self.name(), data.get(self.metadata_key))
            )
            await self.records.answered(record)

        return webhook
