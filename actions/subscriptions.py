"""Announcement subscriptions: ``/langganan`` and ``/berhenti`` (or asked in words)."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.runtime
from actions.base import GuardedAction
from bot.announcements.subscriptions import ACTIVE, subscribable
from bot.ledger.db import UNAVAILABLE

# What /start reaches Rasa as (channels/telegram/updates.py): where the offer fits.
START_TEXT = "/greeting"


def _subscriptions():
    return actions.runtime.services.subscriptions  # looked up per call (tests swap it)


async def _change(
    dispatcher: CollectingDispatcher, tracker: Tracker, subscribe: bool
) -> list[EventType]:
    conversation = tracker.sender_id
    if not subscribable(conversation):
        dispatcher.utter_message(response="utter_subscription_telegram_only")
        return [SlotSet("awaiting", None)]
    store = _subscriptions()
    try:
        changed = await asyncio.to_thread(
            store.subscribe if subscribe else store.unsubscribe, conversation
        )
    except UNAVAILABLE:
        dispatcher.utter_message(response="utter_subscription_unavailable")
        return [SlotSet("awaiting", None)]
    if subscribe:
        response = "utter_subscribed" if changed else "utter_already_subscribed"
    else:
        response = "utter_unsubscribed" if changed else "utter_not_subscribed"
    dispatcher.utter_message(response=response)
    return [SlotSet("awaiting", None)]


class ActionSubscribe(GuardedAction):
    def name(self) -> str:
        return "action_subscribe"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await _change(dispatcher, tracker, subscribe=True)


class ActionUnsubscribe(GuardedAction):
    def name(self) -> str:
        return "action_unsubscribe"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await _change(dispatcher, tracker, subscribe=False)


async def offer_on_start(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After the /start greeting on Telegram, offer announcements to a chat not
    subscribed yet (a database problem just leaves the offer out)."""
    if tracker.latest_message.get("text") != START_TEXT or not subscribable(tracker.sender_id):
        return
    try:
        state = await asyncio.to_thread(_subscriptions().state, tracker.sender_id)
    except UNAVAILABLE:
        return
    if state != ACTIVE:
        dispatcher.utter_message(response="utter_offer_subscription")
