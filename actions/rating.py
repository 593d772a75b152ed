"""The applicant's 1-4 rating of a resolved case (IKM: Permen PANRB 14/2017 scale)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction
from actions.intake import channel_of
from actions.runtime import desk
from bot.ledger.db import UNAVAILABLE

# Longest phrase first: "sangat puas" before "puas", "tidak puas" before "puas".
WORDS = (
    (re.compile(r"\b(sangat (puas|memuaskan)|puas banget|puas sekali)\b"), 4),
    (re.compile(r"\b(tidak|ga|gak|nggak|tdk) (puas|memuaskan)\b"), 1),
    (re.compile(r"\bkurang (puas|memuaskan)\b"), 2),
    (re.compile(r"\b(puas|memuaskan)\b"), 3),
)


def rating_of(tracker: Tracker) -> int | None:
    """From the button's entity, a digit 1-4, or the words of the scale."""
    value = next(tracker.get_latest_entity_values("csat_rating"), None)
    if value is not None and str(value).strip() in {"1", "2", "3", "4"}:
        return int(value)
    text = (tracker.latest_message.get("text") or "").lower()
    digit = re.search(r"\b([1-4])\b", text)
    if digit:
        return int(digit.group(1))
    return next((score for pattern, score in WORDS if pattern.search(text)), None)


class ActionStoreRating(GuardedAction):
    def name(self) -> str:
        return "action_store_rating"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        rating = rating_of(tracker)
        case = None
        if rating is not None:
            try:
                case = await asyncio.to_thread(
                    desk().rate, channel_of(tracker), tracker.sender_id, rating
                )
            except UNAVAILABLE:
                case = None
        if case is None:
            # Nothing to rate: read the message as a question or complaint instead.
            return [FollowupAction("action_answer")]
        dispatcher.utter_message(response="utter_rating_thanks")
        return []
