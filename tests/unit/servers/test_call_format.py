"""The tracker the Rasa server sends to the action server (bot/servers/action_calls.py) is
Rasa's own, event for event, less the model's bookkeeping and the parse data no action
reads; each event's dict is made once, and the events themselves are left as they were."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.benchmark.store import MODEL_METADATA, played
from bot.servers.action_calls import BOOKKEEPING, CALL_DICT, RASA_CALL_FORMAT, call_format

DOMAIN = Domain.load("domain.yml")
ACTION = RemoteAction("validate_report_form", EndpointConfig("http://127.0.0.1:5055/webhook"))


def _conversation(turns: int) -> DialogueStateTracker:
    return played(DialogueStateTracker("rest:someone", DOMAIN.slots), 1, turns)


def _as_trimmed(rasa_call: dict[str, Any]) -> dict[str, Any]:
    trimmed = copy.deepcopy(rasa_call)
    for event in trimmed["tracker"]["events"]:
        for key in BOOKKEEPING:
            (event.get("metadata") or {}).pop(key, None)
        for key in ("intent_ranking", "text_tokens", "response_selector"):
            (event.get("parse_data") or {}).pop(key, None)
    return trimmed


def test_the_call_is_rasas_less_what_no_action_reads():
    tracker = _conversation(12)
    rasa_call = RASA_CALL_FORMAT(ACTION, tracker, DOMAIN)
    ours = call_format(ACTION, tracker, DOMAIN)
    assert ours == _as_trimmed(rasa_call)
    assert ours["tracker"]["latest_message"] == rasa_call["tracker"]["latest_message"]
    users = [e for e in ours["tracker"]["events"] if e["event"] == "user"]
    assert users and all(e["parse_data"]["intent"]["name"] for e in users)
    assert all("intent_ranking" not in e["parse_data"] for e in users)
    assert len(orjson.dumps(ours)) < 0.9 * len(orjson.dumps(rasa_call))


def test_events_are_written_once_and_left_as_they_were():
    tracker = _conversation(3)
    before = [copy.deepcopy(event.as_dict()) for event in tracker.events]
    first = call_format(ACTION, tracker, DOMAIN)
    assert all(CALL_DICT in vars(event) for event in tracker.events)
    assert [event.as_dict() for event in tracker.events] == before  # metadata kept on them
    assert any(MODEL_METADATA.items() <= event.metadata.items() for event in tracker.events)
    tracker.update(UserUttered("last week", {"name": "inform", "confidence": 0.9}))
    second = call_format(ACTION, tracker, DOMAIN)
    assert second["tracker"]["events"][:-1] == first["tracker"]["events"]
    assert second["tracker"]["events"][-1]["text"] == "last week"
    assert second == _as_trimmed(RASA_CALL_FORMAT(ACTION, tracker, DOMAIN))
