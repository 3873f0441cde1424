"""The action server's answers checked against Rasa's schema with a validator built once.

Rasa checks every answer of the action server (RemoteAction._validate_action_result) with
`jsonschema.validate(result, schema)`, which first checks the schema itself against the
JSON Schema meta-schema, then builds a validator, for every call. The schema is a constant
(RemoteAction.action_response_format_spec): measured 2026-12-05 under load (one Rasa server,
50 users), checking it again was half of the Rasa server's CPU, since a form's turn calls the
action server two or three times.

`install()` replaces the method, in the Rasa server process only (bot.servers.rasa_server),
by the same check with the schema checked once and its validator kept: the same validator
class, the same error (jsonschema's `best_match`), the same message added to it.
tests/unit/servers/test_action_results.py compares both on valid and invalid answers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

MARK = "_schema_checked_once"


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The validator of Rasa's answer schema, the schema checked once (as `validate` does
    on every call: a bad schema raises SchemaError here, as it did there)."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def first_error(result: Dict[str, Any]) -> Any:
    """The error `jsonschema.validate(result, schema)` raises, or None."""
    from jsonschema import exceptions

    return exceptions.best_match(_validator().iter_errors(result))


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    if getattr(original, MARK, False):
        return
    spec = RemoteAction.action_response_format_spec

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is not spec:
            return original(self, result)  # a subclass with a schema of its own
        if first_error(result) is None:
            return True
        return original(self, result)  # rare: Rasa raises its own error, worded its way

    setattr(validate_action_result, MARK, True)
    RemoteAction._validate_action_result = validate_action_result
