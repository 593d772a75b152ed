"""The base of every action: privacy and length notices come first, then a ticket
that was waiting in the outbox, then the action's own reply."""

from __future__ import annotations

import asyncio
from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import desk, services
from bot.dates import format_date_id
from bot.inbound import NIK_REDACTED, TRUNCATED

REQUEST_INTENTS = ("question", "complaint", "nlu_fallback")


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def shared_nik(tracker: Tracker) -> bool:
    """True when the applicant's last message carried a NIK."""
    message = tracker.latest_message
    metadata = message.get("metadata") or {}
    entities = message.get("entities") or []
    return bool(metadata.get(NIK_REDACTED)) or any(e.get("entity") == "nik" for e in entities)


def last_request(tracker: Tracker) -> tuple[str | None, str | None]:
    """Intent and text of the latest question or complaint, the current message included."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent in REQUEST_INTENTS:
            return intent, event.get("text")
    return None, None


async def announce_waiting_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Tell the applicant the ticket of a filing that went through the outbox."""
    key = tracker.get_slot("pending_intake")
    if not key:
        return []
    receipt = await asyncio.to_thread(desk().filed_from_outbox, key)
    if receipt is None:
        return []
    dispatcher.utter_message(
        response="utter_case_filed_later",
        ticket=receipt.ticket,
        due_date=format_date_id(receipt.due_at.astimezone(services.settings.timezone).date()),
    )
    return [SlotSet("pending_intake", None)]


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
                response="utter_truncated",
                max_chars=f"{services.settings.max_message_chars:,}".replace(",", "."),
            )
        events = await announce_waiting_ticket(dispatcher, tracker)
        return events + await self.respond(dispatcher, tracker, domain)

    @abstractmethod
    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Dispatch this action's own replies and return its events."""
