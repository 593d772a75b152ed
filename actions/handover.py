"""Hand a conversation to people: requests for a human and status checks of filed cases."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction
from actions.intake import channel_of, start_intake
from actions.runtime import desk
from bot.intake import LedgerUnavailable


class ActionRequestHuman(GuardedAction):
    def name(self) -> str:
        return "action_request_human"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return start_intake(dispatcher, tracker, "human_request", "utter_intake_human")


class ActionStatusCheck(GuardedAction):
    """Status of a ticket, or of the applicant's latest case; only its filer sees it."""

    def name(self) -> str:
        return "action_status_check"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        ticket = next(tracker.get_latest_entity_values("ticket"), None)
        events: list[EventType] = [SlotSet("awaiting", None)]
        try:
            status = await asyncio.to_thread(
                desk().applicant_status, channel_of(tracker), tracker.sender_id, ticket
            )
        except LedgerUnavailable:
            pending = tracker.get_slot("pending_intake") and not ticket
            dispatcher.utter_message(
                response="utter_status_queued" if pending else "utter_ledger_unavailable"
            )
            return events
        if status is None:
            if ticket:
                dispatcher.utter_message(response="utter_status_not_found", ticket=ticket.upper())
            elif tracker.get_slot("pending_intake"):
                dispatcher.utter_message(response="utter_status_queued")
            else:
                dispatcher.utter_message(response="utter_status_no_cases")
            return events
        dispatcher.utter_message(
            response="utter_case_status",
            ticket=status.ticket,
            status=status.status,
            last_update=status.last_update,
        )
        if status.overdue:
            dispatcher.utter_message(response="utter_case_overdue", due_date=status.due_date)
        elif not status.closed:
            dispatcher.utter_message(response="utter_case_due", due_date=status.due_date)
        return events
