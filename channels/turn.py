"""What happened during the turn a channel is handling, shared with Rasa's runtime.

A channel starts a turn before handing a message to Rasa (``start_turn``); the
patched ``RemoteAction`` (``channels/rasa_patches.py``) marks it when the action
server could not be reached, so the channel records the message as not answered
instead of answered. The state object is mutable, so it is seen even where Rasa
copies the context.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class TurnState:
    failure: str | None = None
    apologised: bool = False


_current: ContextVar[TurnState | None] = ContextVar("sscn_turn", default=None)


def start_turn() -> TurnState:
    """A fresh state for the message about to be handled in this task."""
    state = TurnState()
    _current.set(state)
    return state


def current_turn() -> TurnState | None:
    return _current.get()
