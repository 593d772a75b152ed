"""The one output path to an applicant for messages the bot did not trigger.

The bot's own replies leave through the output channel of the message being
answered. Everything else (an agent's reply, a closing message) is appended to
the conversation through Rasa's HTTP API with ``output_channel=latest``: Rasa
hands it to the output channel of the applicant's latest input channel (web
chat socket, Telegram Bot API, X reply queue), records it in the tracker store
(so the transcript shows it) and the channel records it in the message log.
This is the case desk's ``ApplicantPort`` (bot/desk_deliveries.py).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.desk_deliveries import DeliveryError, Undeliverable
from bot.rasa_auth import api_headers
from bot.vocabulary import PUSH_CHANNELS

# "/intent" or "/intent{...}": what a button sends instead of text.
_PAYLOAD = re.compile(r"^/([A-Za-z_][\w-]*)(\{.*\})?$", re.DOTALL)
# Words for the payloads of buttons whose offer is no longer in the transcript.
_INTENT_WORDS = {
    "affirm": "Ya",
    "deny": "Tidak",
    "feedback_helpful": "Membantu",
    "feedback_unhelpful": "Tidak membantu",
    "human": "Minta petugas",
    "question": "Pertanyaan",
    "rate": "Penilaian",
}


class OutboundError(DeliveryError):
    """Rasa could not be reached or refused the request (retry later)."""


class CannotPush(OutboundError, Undeliverable):
    """The applicant's channel cannot receive a message we send first (REST)."""


class Outbound:
    def __init__(self, rasa_url: str, token: str | None, timeout: float = 10.0) -> None:
        """``token`` is the JWT secret of Rasa's API (``SSCN_RASA_AUTH_TOKEN``)."""
        self._rasa_url = rasa_url.rstrip("/")
        self._token = token or None
        self._timeout = timeout

    def latest_channel(self, conversation_id: str) -> str | None:
        """The channel the applicant last wrote from."""
        tracker = self._get(f"/conversations/{conversation_id}/tracker", {"include_events": "NONE"})
        return tracker.get("latest_input_channel")

    def send(
        self,
        conversation_id: str,
        text: str,
        author: str,
        buttons: list[dict[str, str]] | None = None,
    ) -> str:
        """Deliver ``text`` on the applicant's latest channel; returns that channel."""
        text = text.strip()
        if not text:
            raise CannotPush("empty message")
        channel = self.latest_channel(conversation_id)
        if channel not in PUSH_CHANNELS:
            raise CannotPush(f"cannot send to a {channel or 'unknown'} conversation")
        event: dict[str, Any] = {
            "event": "bot",
            "text": text,
            "data": {"buttons": buttons} if buttons else {},
            "metadata": {"author": author},
        }
        self._post(
            f"/conversations/{conversation_id}/tracker/events",
            [event],
            {"output_channel": "latest", "execute_side_effects": "true"},
        )
        return channel

    def pause(self, conversation_id: str) -> None:
        """The bot stops answering this applicant (an agent took over)."""
        self._post(f"/conversations/{conversation_id}/tracker/events", [{"event": "pause"}], {})

    def resume(self, conversation_id: str) -> None:
        """The bot answers this applicant again."""
        self._post(f"/conversations/{conversation_id}/tracker/events", [{"event": "resume"}], {})

    def transcript(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every message of the conversation, all sessions: ``{at, who, text, author,
        clicked}``; a button the applicant pressed reads as the button's title."""
        tracker = self._get(f"/conversations/{conversation_id}/tracker", {"include_events": "ALL"})
        return transcript_lines(tracker.get("events") or [])

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return self._request("GET", path, params=params)

    def _post(self, path: str, body: Any, params: dict[str, str]) -> dict[str, Any]:
        return self._request("POST", path, params=params, json=body)

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            kwargs["headers"] = api_headers(self._token, subject="sscn-console")
        except RuntimeError as error:
            raise OutboundError(str(error)) from error
        try:
            response = httpx.request(
                method, f"{self._rasa_url}{path}", timeout=self._timeout, **kwargs
            )
        except httpx.HTTPError as error:
            raise OutboundError(f"Rasa not reachable: {error}") from error
        if response.status_code >= 400:
            raise OutboundError(f"Rasa answered {response.status_code}: {response.text[:200]}")
        return response.json()


def transcript_lines(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tracker events as transcript lines; a payload the applicant sent by pressing a
    button shows that button's title (``clicked`` True), never the raw payload."""
    lines: list[dict[str, Any]] = []
    titles: dict[str, str] = {}  # payload -> title of the buttons last offered
    for event in events:
        kind = event.get("event")
        if kind == "bot":
            author = (event.get("metadata") or {}).get("author") or "bot"
            buttons = (event.get("data") or {}).get("buttons") or []
            titles = {
                str(b.get("payload")): str(b.get("title") or "")
                for b in buttons
                if isinstance(b, dict) and b.get("payload")
            }
            who = "agent" if author.startswith("agent") else "bot"
            line = {"who": who, "author": author, "text": event.get("text") or ""}
            if buttons:
                line["buttons"] = [title for title in titles.values() if title]
        elif kind == "user":
            text, clicked = _as_typed(event.get("text") or "", titles)
            line = {"who": "applicant", "author": "applicant", "text": text, "clicked": clicked}
        else:
            continue
        lines.append({"at": event.get("timestamp"), **line})
    return lines


def _as_typed(text: str, titles: dict[str, str]) -> tuple[str, bool]:
    """What the applicant chose: the button's title for a payload, else the text."""
    if text in titles and titles[text]:
        return titles[text], True
    match = _PAYLOAD.match(text.strip())
    if match is None:
        return text, False
    intent = match.group(1)
    return f"[{_INTENT_WORDS.get(intent) or intent.replace('_', ' ')}]", True
