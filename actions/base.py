"""The base of every action: privacy and length notices come first."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.inbound import MAX_MESSAGE_CHARS, NIK_REDACTED, TRUNCATED


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def shared_nik(tracker: Tracker) -> bool:
    """True when the applicant's last message carried a NIK."""
    message = tracker.latest_message
    metadata = message.get("metadata") or {}
    entities = message.get("entities") or []
    return bool(metadata.get(NIK_REDACTED)) or any(e.get("entity") == "nik" for e in entities)


class GuardedAction(Action, metaclass=ABCMeta):
    """Warns about a shared NIK and a cut message, then runs ``respond``."""

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if shared_nik(tracker):
            dispatcher.utter_message(response="utter_nik_warning")
        if (tracker.latest_message.get("metadata") or {}).get(TRUNCATED):
            dispatcher.utter_message(
                response="utter_truncated", max_chars=f"{MAX_MESSAGE_CHARS:,}".replace(",", ".")
            )
        return await self.respond(dispatcher, tracker, domain)

    @abstractmethod
    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Dispatch this action's own replies and return its events."""
