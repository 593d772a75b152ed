"""Runtime fixes for Rasa 3.6, applied when the Rasa server imports ``channels``.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every
action-server response, which checks the (large) schema itself each time: three
quarters of a whole turn's CPU time in our profile. This keeps the same
validation with the schema checked once and the validator reused.

``Event.resolve_by_type`` walks the whole class tree of ``Event`` for every
event it deserialises (every tracker fetch); the lookup table is now built once
and rebuilt only when a name is not found.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_original_resolve_by_type = Event.resolve_by_type
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


def apply() -> None:
    """Install the fixes (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
