"""Runtime fixes for Rasa 3.6, applied when the Rasa server imports ``channels``.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every
action-server response, which checks the (large) schema itself each time: three
quarters of a whole turn's CPU time in our profile. This keeps the same
validation with the schema checked once and the validator reused.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def apply() -> None:
    """Install the fixes (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result
