"""Yes/no and "was this helpful?" answers, read against what the bot asked last."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer, answers_followup
from actions.base import GuardedAction, last_request, latest_intent
from actions.intake import offer_escalation, start_intake
from actions.runtime import desk

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
        if intent in ("affirm", "deny") and awaiting != "escalation" and answers_followup(tracker):
            # "terus kalau sudah?" read as a yes: it asks about the previous answer.
            return await ActionAnswer().respond(dispatcher, tracker, domain)

        if awaiting == "escalation":
            if positive:
                return start_intake(
                    dispatcher,
                    tracker,
                    tracker.get_slot("case_kind") or "unanswered_question",
                    "utter_intake_accepted",
                    tracker.get_slot("case_description"),
                )
            dispatcher.utter_message(response="utter_escalation_declined")
            return [SlotSet("awaiting", None), SlotSet("case_description", None)]

        if awaiting == "feedback" or intent in ("feedback_helpful", "feedback_unhelpful"):
            # Off the turn's path, like the lookup it marks.
            asyncio.get_running_loop().run_in_executor(
                None, desk().record_feedback, tracker.sender_id, positive
            )
            if positive:
                dispatcher.utter_message(response="utter_glad")
                return [SlotSet("awaiting", None)]
            dispatcher.utter_message(response="utter_unhelpful")
            request_intent, request_text = last_request(tracker)
            kind = "complaint" if request_intent == "complaint" else "unanswered_question"
            return offer_escalation(dispatcher, kind, request_text)

        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("awaiting", None)]
