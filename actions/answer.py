"""Answer a question (or offer self-help for a complaint) from the knowledge base."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction, latest_intent
from actions.intake import channel_of, offer_escalation, start_intake
from actions.runtime import intake_desk, services, today
from bot.answers import render_answer
from bot.intake import PUBLIC_CHANNELS
from bot.kb.store import KnowledgeBaseError

logger = logging.getLogger(__name__)

FALLBACKS_BEFORE_ESCALATION = 2


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the NLU could not place."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionAnswer(GuardedAction):
    """Self-help first; a complaint without an answer goes straight to intake."""

    def name(self) -> str:
        return "action_answer"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        intent = latest_intent(tracker)
        kind = "complaint" if intent == "complaint" else "unanswered_question"
        try:
            match = services.knowledge_base.current().best(text)
        except KnowledgeBaseError:
            logger.exception("No usable knowledge base")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return offer_escalation(dispatcher, kind, text)

        if intent in ("question", "complaint"):
            # Off the turn's path: the reply does not wait for this statistic.
            asyncio.get_running_loop().run_in_executor(
                None,
                intake_desk().record_lookup,
                channel_of(tracker),
                match.entry.id if match else None,
                text,
            )
        if match:
            public = channel_of(tracker) in PUBLIC_CHANNELS  # X: the short variant
            dispatcher.utter_message(text=render_answer(match.entry, today(), short=public))
            dispatcher.utter_message(response="utter_ask_helpful")
            return [SlotSet("awaiting", "feedback"), SlotSet("last_faq_id", match.entry.id)]

        if intent == "complaint":
            return start_intake(dispatcher, tracker, kind, "utter_intake_complaint", text)
        if (
            intent == "nlu_fallback"
            and consecutive_fallbacks(tracker) < FALLBACKS_BEFORE_ESCALATION
        ):
            dispatcher.utter_message(response="utter_rephrase")
            return [SlotSet("awaiting", None)]
        dispatcher.utter_message(response="utter_no_answer")
        return offer_escalation(dispatcher, kind, text)
