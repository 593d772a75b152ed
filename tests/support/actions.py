"""Rasa SDK actions run in process: a tracker with a given latest message, the run."""

from __future__ import annotations

import asyncio

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(
    text: str,
    intent: str,
    slots: dict | None = None,
    metadata: dict | None = None,
    entities: list | None = None,
    events: list | None = None,
    channel: str | None = None,
    active_loop: str | None = None,
    confidence: float = 0.9,
) -> Tracker:
    """A tracker whose latest message is ``text`` (from ``channel``, when given)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    return Tracker.from_dict(
        {
            "sender_id": "applicant",
            "slots": slots or {},
            "latest_message": latest,
            "events": events
            or [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def run(action: Action, tracker_: Tracker) -> tuple[list[dict], list]:
    """Run ``action`` on ``tracker_``: the messages it sent and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return dispatcher.messages, events


def responses(messages: list[dict]) -> list[str]:
    """Each message's response name (``text`` for a plain text)."""
    return [m.get("response") or "text" for m in messages]
