"""Socket.IO input channel for the web chat, with working, server-signed sessions.

Rasa 3.6's ``SocketIOInput`` calls ``sio.enter_room`` without ``await``; with
python-socketio >= 5.10 that is a coroutine, so with session persistence the
bot's replies never reach the browser (Rasa issue 13027). This channel awaits
it, validates what the browser sends, passes every text through the privacy
gate and serves the chat page at ``/webhooks/webchat/``.

Sessions are issued by the server (``sessions.py``): ``session_request`` gets
the proposed token back only if its signature verifies, else a new one; a
message is accepted only with a verified token. The conversation is
``webchat:<session>`` and the socket.io room is ``<session>``; the output
refuses any recipient that is not a web chat conversation.

A turn's replies are emitted once Rasa has saved its tracker (``channels/turn.py``).
The page gives every message an id and keeps it until the turn acknowledges it
(socket.io ack: ``answered``, ``failed``, ``done`` for a copy already handled,
``busy`` while a first copy runs); after a reconnect it sends what is still
unacknowledged again, so a message in flight on an instance that died is
handled once, on another.
A turn that fails (tracker store or lock store unreachable) emits nothing but a
short request to send the message again (``TRY_AGAIN_TEXT``), and is recorded
as failed: the applicant is never left without an answer (docs/FAULTS.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.config import Settings, current_settings
from bot.conversations import conversation_id, platform_id
from bot.inbound import prepare_inbound
from bot.ledger.messages import BUSY, DONE
from bot.vocabulary import Channel
from channels.inbound import user_message
from channels.rasa_server import cors_origins
from channels.records import ChannelRecords
from channels.turn import TRY_AGAIN_TEXT, deliver, end_turn
from channels.webchat.sessions import signer_for

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {
    "chat.js": "application/javascript",
    "chat.css": "text/css",
    "socket.io.min.js": "application/javascript",
}
CHANNEL = Channel.WEBCHAT
# The page names each message (random hex) and sends it again, with the same id,
# until a turn acknowledges it: after a reconnect, a message that was in flight on
# an instance that died is handled once (claimed like a Telegram update_id).
MESSAGE_ID_PATTERN = re.compile(r"^[0-9a-f]{16,64}$")
BUSY_RETRY_SECONDS = 5


def claim_key(room: str, message_id: str | None) -> str | None:
    """The message log's id for a page's message: unique per conversation."""
    if message_id is None:
        return None
    return hashlib.sha256(f"{room}:{message_id}".encode()).hexdigest()


def allowed_origin_check(settings: Settings) -> Callable[[str | None, dict[str, Any]], bool]:
    """Socket.IO admits its own page (same origin) and ``SSCN_WEBCHAT_ORIGINS`` only.

    (python-engineio reads ``cors_allowed_origins=[]`` as "no check at all".)
    """
    configured = set(cors_origins(settings.webchat_origins))

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:  # not a browser's cross-origin request
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in configured

    return allowed


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
        """Emit to the conversation's room; an id of another channel is refused."""
        room = platform_id(recipient_id, CHANNEL)
        text = message.get("text")
        author = message.get("author") or self._author  # agents' messages carry one

        async def send() -> None:
            await super(RecordedSocketIOOutput, self).send_response(room, message)
            if text:
                await self._records.sent(recipient_id, text, author, self._reply_to_id)

        await deliver(send)  # held until the turn is saved, in an applicant's turn


class WebChatInput(SocketIOInput):
    """The web chat channel; credentials as for Rasa's ``socketio`` channel."""

    records = ChannelRecords(CHANNEL)

    def get_output_channel(self) -> SocketIOOutput | None:
        """For messages not triggered by the applicant: agents' replies via Rasa's API."""
        if self.sio is None:
            return None
        return RecordedSocketIOOutput(self.sio, self.bot_message_evt, self.records, "agent")

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        settings = current_settings()  # Rasa builds the channel: nothing to hand it
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=allowed_origin_check(settings))
        webhook = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        self.sio = sio
        signer = signer_for(settings)

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
            token = data.get("session_id") if isinstance(data, dict) else None
            session = signer.verify(token)
            if session is None:  # none proposed, or not one we issued
                session, token = signer.issue()
            if self.session_persistence:
                await sio.enter_room(sid, session, namespace=self.namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> dict[str, Any]:
            """Handle one message; the result is the client's acknowledgement."""
            if not isinstance(data, dict):
                logger.warning("webchat: ignoring a malformed message from %s", sid)
                return {"status": "refused"}
            room = sid
            if self.session_persistence:
                room = signer.verify(data.get("session_id"))
                if room is None:
                    logger.warning("webchat: message without a signed session id refused")
                    return {"status": "refused"}
                await sio.enter_room(sid, room, namespace=self.namespace)  # e.g. a reconnect
            message_id = data.get("message_id")
            if message_id is not None and not (
                isinstance(message_id, str) and MESSAGE_ID_PATTERN.match(message_id)
            ):
                logger.warning("webchat: malformed message id refused")
                return {"status": "refused"}
            inbound = prepare_inbound(data.get("message"), settings.max_message_chars)
            if inbound is None:
                return {"status": "ignored"}
            sender_id = conversation_id(CHANNEL, room)
            admission = await self.records.inbound(
                sender_id, inbound.text, claim_key(room, message_id), hold_replies=True
            )
            if admission.outcome == DONE:  # a resend of a message already handled
                end_turn()
                return {"status": "done"}
            if admission.outcome == BUSY:  # its first copy is being handled
                end_turn()
                return {"status": "busy", "retry_after": BUSY_RETRY_SECONDS}
            output = RecordedSocketIOOutput(
                sio, self.bot_message_evt, self.records, reply_to_id=admission.row_id
            )
            try:
                metadata = data.get(self.metadata_key)
                await on_new_message(
                    user_message(inbound, output, sender_id, self.name(), metadata)
                )
            except Exception:
                logger.exception("webchat: message of %s could not be handled", sender_id)
                end_turn()
                await output.send_response(sender_id, {"text": TRY_AGAIN_TEXT, "author": "system"})
                await self.records.failed(admission.row_id)
                return {"status": "failed"}
            except BaseException:  # cancelled: the claim goes back, a resend is handled
                await asyncio.shield(self.records.release(admission.row_id))
                end_turn()
                raise
            await self.records.answered(admission.row_id)
            end_turn()
            return {"status": "answered"}

        return webhook
