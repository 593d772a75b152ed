"""The one output path to an applicant for messages the bot did not trigger.

The bot's own replies leave through the output channel of the message being
answered. Everything else (an agent's reply, a closing message) is appended to
the conversation through Rasa's HTTP API with ``output_channel=latest``: Rasa
hands it to the output channel of the applicant's latest input channel (web
chat socket, Telegram Bot API, X reply queue), records it in the tracker store
(so the transcript shows it) and the channel records it in the message log.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.rasa_auth import api_headers

# Channels whose applicant can receive a message we send first (REST cannot).
PUSH_CHANNELS = frozenset({"webchat", "telegram", "twitter"})


class OutboundError(RuntimeError):
    """The message could not be handed to Rasa, or the applicant's channel cannot push."""


class Outbound:
    def __init__(self, rasa_url: str, token: str | None, timeout: float = 30.0) -> None:
        """``token`` is the JWT secret of Rasa's API; empty: ``SSCN_RASA_AUTH_TOKEN[_FILE]``."""
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
            raise OutboundError("empty message")
        channel = self.latest_channel(conversation_id)
        if channel not in PUSH_CHANNELS:
            raise OutboundError(f"cannot send to a {channel or 'unknown'} conversation")
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
        """Every message of the conversation, all sessions: ``{at, who, text, author}``."""
        tracker = self._get(f"/conversations/{conversation_id}/tracker", {"include_events": "ALL"})
        lines = []
        for event in tracker.get("events") or []:
            if event.get("event") == "user":
                who, author = "applicant", "applicant"
            elif event.get("event") == "bot":
                author = (event.get("metadata") or {}).get("author") or "bot"
                who = "agent" if author.startswith("agent") else "bot"
            else:
                continue
            lines.append(
                {
                    "at": event.get("timestamp"),
                    "who": who,
                    "author": author,
                    "text": event.get("text") or "",
                }
            )
        return lines

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
