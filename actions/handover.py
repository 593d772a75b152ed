"""Hand a conversation to people: requests for a human, escalation, status checks.

The complaint ledger does not exist yet, so escalation points the applicant to
BKN's official helpdesk; the decision points are already where the ledger
will plug in.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction


def escalate(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Route the applicant to a human."""
    dispatcher.utter_message(response="utter_escalation_pointer")
    return [SlotSet("awaiting", None)]


class ActionRequestHuman(GuardedAction):
    def name(self) -> str:
        return "action_request_human"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return escalate(dispatcher, tracker)


class ActionStatusCheck(GuardedAction):
    def name(self) -> str:
        return "action_status_check"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_status_unavailable")
        return [SlotSet("awaiting", None)]
