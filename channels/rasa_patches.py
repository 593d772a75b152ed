"""Runtime fixes for Rasa 3.6, applied when the Rasa server imports ``channels``.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every
action-server response, which checks the (large) schema itself each time: three
quarters of a whole turn's CPU time in our profile. This keeps the same
validation with the schema checked once and the validator reused.

``Event.resolve_by_type`` walks the whole class tree of ``Event`` for every
event it deserialises (every tracker fetch); the lookup table is now built once
and rebuilt only when a name is not found.

``RemoteAction.run`` raises when the action server is down or fails; Rasa then
logs the error and the applicant gets silence. The patched run answers with a
short apology instead (once per turn) and marks the turn failed, so the channel
records the message as not answered (``channels/turn.py``).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.utils.common import all_subclasses

from channels.turn import current_turn

logger = logging.getLogger(__name__)
ACTION_SERVER_DOWN_TEXT = (
    "Maaf, layanan kami sedang mengalami gangguan 🙏 Pesan Anda sudah kami catat. "
    "Silakan coba lagi beberapa menit lagi, atau tunggu petugas kami membalas."
)
ACTION_SERVER_DOWN = "action_server_unavailable"
_original_resolve_by_type = Event.resolve_by_type
_original_remote_run = RemoteAction.run
_event_types: dict[str, type[Event]] = {}


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _action_result_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. See {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def _refresh_event_types() -> None:
    _event_types.clear()
    for cls in all_subclasses(Event):
        _event_types.setdefault(cls.type_name, cls)  # first match wins, as in Rasa


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    if type_name not in _event_types:
        _refresh_event_types()
    if type_name in _event_types:
        return _event_types[type_name]
    return _original_resolve_by_type(type_name, default)


async def _run_remote_action(self: RemoteAction, *args: Any, **kwargs: Any) -> list[Event]:
    try:
        return await _original_remote_run(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise  # a form rejecting the input: Rasa's normal flow
    except Exception as error:
        logger.error("action %s failed: %s; the applicant gets an apology", self.name(), error)
        turn = current_turn()
        if turn is not None:
            turn.failure = ACTION_SERVER_DOWN
            if turn.apologised:
                return []
            turn.apologised = True
        return [BotUttered(ACTION_SERVER_DOWN_TEXT, metadata={"author": "system"})]


def apply() -> None:
    """Install the fixes (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction.run = _run_remote_action
    Event.resolve_by_type = staticmethod(_resolve_by_type)
