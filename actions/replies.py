"""Yes/no and "was this helpful?" answers, read against what the bot asked last."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import offer_escalation
from actions.base import GuardedAction, latest_intent
from actions.handover import escalate

POSITIVE_INTENTS = {"affirm", "feedback_helpful"}


class ActionHandleReply(GuardedAction):
    def name(self) -> str:
        return "action_handle_reply"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        positive = intent in POSITIVE_INTENTS
        awaiting = tracker.get_slot("awaiting")

        if awaiting == "escalation":
            if positive:
                return escalate(dispatcher, tracker)
            dispatcher.utter_message(response="utter_escalation_declined")
            return [SlotSet("awaiting", None)]

        if awaiting == "feedback" or intent in ("feedback_helpful", "feedback_unhelpful"):
            if positive:
                dispatcher.utter_message(response="utter_glad")
                return [SlotSet("awaiting", None)]
            dispatcher.utter_message(response="utter_unhelpful")
            return offer_escalation(dispatcher)

        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("awaiting", None)]
