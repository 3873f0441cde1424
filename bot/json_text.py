"""JSON for the data a turn reads and sends whole: the stored events of the conversation
(bot/tracker_store.py) and the tracker sent to the action server
(bot/servers/action_calls.py). Both grow with the conversation; orjson reads and writes them
three times faster than the standard library, giving the same values.

Where orjson refuses what the standard library takes (NaN or Infinity in stored text, an
integer beyond 64 bits, an object it does not know), the standard library does it, with its
own result or error."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any) -> str:
    """The JSON text of `value`; non-ASCII characters as themselves, not escaped."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)
