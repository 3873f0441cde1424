"""The action server's answers checked against Rasa's schema with a validator built once.

Rasa checks every answer of the action server (RemoteAction._validate_action_result) with
`jsonschema.validate(result, schema)`, which first checks the schema itself against the
JSON Schema meta-schema, then builds a validator, for every call. The schema is a constant
(RemoteAction.action_response_format_spec): measured 2026-12-05 under load (one Rasa server,
50 users), checking it again was half of the Rasa server's CPU, since a form's turn calls the
action server two or three times.

`install()` replaces the method, in the Rasa server process only (bot.servers.rasa_server),
by the same check with the schema checked once and the validators kept.

Checking the events still cost a millisecond a call: the schema says each event is exactly
one of 23 kinds (`oneOf`), so every kind was tried on every event. Each kind's schema
requires its own `event` name (`const`) and every event has a name (`required`), so an event
can only be of the kinds with its name: an answer is checked against those alone. Whenever
that does not pass, Rasa's own check runs and gives its verdict and its error, worded its
way; the short way is used only when the schema has that shape (looked at once).
tests/unit/servers/test_action_results.py compares both on valid and invalid answers."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Mapping, Optional

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


@dataclass(frozen=True)
class _ByKind:
    """The schema in parts: the answer without its events' items, an event without its
    kinds, and each kind's schema by its `event` name."""

    outer: Any
    event: Any
    kinds: Mapping[str, tuple[Any, ...]]


@lru_cache(maxsize=1)
def _by_kind() -> Optional[_ByKind]:
    """The parts, or None when the schema is not of the shape the short way relies on."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    _validator()  # the schema checked, as `validate` does
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    try:
        events = schema["properties"]["events"]
        items = events["items"]
        kinds = items.pop("oneOf")
        names = [kind["properties"]["event"]["const"] for kind in kinds]
    except (KeyError, TypeError):
        return None
    if "$ref" in json.dumps(schema) or "$ref" in json.dumps(kinds):
        return None  # a part checked alone could not resolve it
    if "event" not in items.get("required", ()) or not all(isinstance(n, str) for n in names):
        return None
    cls = validator_for(schema)
    events["items"] = {}
    by_name: dict[str, list[Any]] = {}
    for name, kind in zip(names, kinds, strict=True):
        by_name.setdefault(name, []).append(cls(kind))
    return _ByKind(cls(schema), cls(items), {n: tuple(v) for n, v in by_name.items()})


def passes(result: Any) -> bool:
    """True only if `jsonschema.validate(result, schema)` passes (checking each event
    against the kinds of its name); False when unsure: then the whole check decides."""
    parts = _by_kind()
    if parts is None or not parts.outer.is_valid(result):
        return False
    for event in result.get("events") or ():
        if not parts.event.is_valid(event):
            return False
        # `oneOf`: exactly one kind; those of other names fail on their `const`.
        kinds = parts.kinds.get(event["event"], ())
        if sum(1 for kind in kinds if kind.is_valid(event)) != 1:
            return False
    return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    if getattr(original, MARK, False):
        return
    spec = RemoteAction.action_response_format_spec

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is not spec:
            return original(self, result)  # a subclass with a schema of its own
        if passes(result):
            return True
        return original(self, result)  # rare: Rasa raises its own error, worded its way

    setattr(validate_action_result, MARK, True)
    RemoteAction._validate_action_result = validate_action_result
