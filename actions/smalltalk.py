"""Greetings, thanks, goodbyes and messages outside the helpdesk's remit."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction, latest_intent
from actions.subscriptions import offer_on_start
from bot.out_of_scope import pointer_for


class ActionSmalltalk(GuardedAction):
    def name(self) -> str:
        return "action_smalltalk"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        dispatcher.utter_message(response=f"utter_{intent}")
        if intent == "greeting":
            await offer_on_start(dispatcher, tracker)
        return [SlotSet("awaiting", None)]


class ActionOutOfScope(GuardedAction):
    def name(self) -> str:
        return "action_out_of_scope"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        pointer = pointer_for(tracker.latest_message.get("text") or "")
        if pointer:
            dispatcher.utter_message(text=pointer)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return [SlotSet("awaiting", None)]
