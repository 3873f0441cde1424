"""The calls to the action server: each event written once, and JSON written by orjson.

Every call carries the whole tracker (Rasa's protocol): at turn 40 of a report some 480
events, 200 KB of JSON, two or three times a turn. Rasa turns every event into its dict
again for every call (`tracker.current_state`) and encodes the body with the standard
library in aiohttp's request (in the py-spy profile of docs/benchmark.md, 10 ms of a
turn's growth by turn 40). `install()`, in the Rasa server process only
(bot.servers.rasa_server):

- keeps each event's dict for the call on the event, made at its first call: events are not
  changed once made (rasa/shared/core/trackers.py appends, never edits), so later calls
  only collect them;
- leaves out of those dicts what no action reads and Rasa repeats on every event: the
  model's id and the assistant's id in each event's metadata, and the intent ranking and
  token offsets of each user message's parse data (the latest message goes with its whole
  parse data, as `latest_message`; the intent, the entities and the language stay on every
  event). A fifth of the body at turn 40;
- gives Rasa's aiohttp session (one per call, `EndpointConfig.session`) the faster encoder.
  The action server reads it with orjson too (bot/servers/actions.py)."""

from __future__ import annotations

from typing import Any, Dict

import aiohttp
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from bot import json_text

RASA_SESSION = EndpointConfig.session
RASA_CALL_FORMAT = RemoteAction._action_call_format
CALL_DICT = "_vm_call_dict"  # the attribute on the event
# Rasa's bookkeeping on every event, and the parts of a user message's parse data the
# actions never read.
BOOKKEEPING = frozenset({"model_id", "assistant_id"})
UNREAD_PARSE_DATA = frozenset({"intent_ranking", "text_tokens", "response_selector"})


def session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's session for `endpoint`, writing JSON bodies with orjson."""
    made = RASA_SESSION(endpoint)
    made._json_serialize = json_text.dumps
    return made


def _without(data: Dict[str, Any], keys: frozenset[str]) -> Dict[str, Any]:
    # A new dict: Rasa's as_dict hands out the event's own metadata and parse data.
    return {key: value for key, value in data.items() if key not in keys}


def sent(event: Event) -> Dict[str, Any]:
    """The dict of `event` the action server gets; made once, never changed (only ever
    written as JSON)."""
    made = event.__dict__.get(CALL_DICT)
    if made is None:
        made = event.as_dict()
        metadata = made.get("metadata")
        if metadata and not BOOKKEEPING.isdisjoint(metadata):
            made["metadata"] = _without(metadata, BOOKKEEPING)
        parse_data = made.get("parse_data")
        if parse_data and not UNREAD_PARSE_DATA.isdisjoint(parse_data):
            made["parse_data"] = _without(parse_data, UNREAD_PARSE_DATA)
        event.__dict__[CALL_DICT] = made
    return made


def call_format(
    action: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> Dict[str, Any]:
    """What RemoteAction._action_call_format (3.6) returns, the events from `sent`."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [sent(event) for event in tracker.events]
    call: Dict[str, Any] = {
        "next_action": action.name(),
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not action._is_selective_domain_enabled() or (
        domain.does_custom_action_explicitly_need_domain(action.name())
    ):
        call["domain"] = domain.as_dict()
    return call


def install() -> None:
    if getattr(EndpointConfig.session, "_orjson", False):
        return

    def method(self: EndpointConfig) -> aiohttp.ClientSession:
        return session(self)

    def call(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> Dict[str, Any]:
        return call_format(self, tracker, domain)

    method._orjson = True  # type: ignore[attr-defined]
    method.__doc__ = RASA_SESSION.__doc__
    call.__doc__ = RASA_CALL_FORMAT.__doc__
    EndpointConfig.session = method
    RemoteAction._action_call_format = call
