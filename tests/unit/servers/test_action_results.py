"""bot/servers/action_results.py: the action server's answers are accepted and refused as
Rasa's own check (jsonschema.validate with the schema checked every time) does, with the
same error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.servers import action_results

RASA = RemoteAction._validate_action_result  # the original: nothing is installed in tests


def first_error(result: dict[str, Any]) -> Any:
    """The error `jsonschema.validate(result, schema)` raises, or None (the schema checked
    once, by the module's own validator)."""
    return best_match(action_results._validator().iter_errors(result))


VALID: list[dict[str, Any]] = [
    {},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "report_when", "value": "yesterday", "timestamp": None},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "utter_ask_report_what"},
            {"event": "user_featurization", "use_text_for_featurization": False},
        ],
        "responses": [{"response": "utter_ask_report_what", "language": "nl"}],
    },
]
INVALID: list[dict[str, Any]] = [
    {"events": {"event": "slot"}},
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"no_event": "slot"}]},
    {"events": [], "responses": ["text"]},
    {"responses": {"text": "hi"}},
]


def _rasa_error(result: dict[str, Any]) -> ValidationError | None:
    action = RemoteAction("validate_report_form", EndpointConfig("http://127.0.0.1:1/webhook"))
    try:
        RASA(action, result)
    except ValidationError as error:
        return error
    return None


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA)
    action_results.install()
    assert RemoteAction._validate_action_result is not RASA
    return RemoteAction("validate_report_form", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize("result", VALID)
def test_a_valid_answer_passes_as_with_rasa(installed: RemoteAction, result: dict) -> None:
    assert _rasa_error(result) is None
    assert installed._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_answer_raises_rasas_error(installed: RemoteAction, result: dict) -> None:
    expected = _rasa_error(result)
    assert expected is not None
    with pytest.raises(ValidationError) as raised:
        installed._validate_action_result(result)
    assert raised.value.message == expected.message
    assert "Failed to validate Action server response" in raised.value.message


def test_the_same_answers_are_refused(installed: RemoteAction) -> None:
    for result in [*VALID, *INVALID]:
        assert (first_error(result) is None) == (_rasa_error(result) is None)


def _event_dicts() -> list[dict[str, Any]]:
    """One event of every kind Rasa has, as an action could return it."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActionReverted,
        ActiveLoop,
        AgentUttered,
        AllSlotsReset,
        BotUttered,
        ConversationPaused,
        ConversationResumed,
        EntitiesAdded,
        FollowupAction,
        LoopInterrupted,
        ReminderCancelled,
        ReminderScheduled,
        Restarted,
        SessionStarted,
        SlotSet,
        StoryExported,
        UserUtteranceReverted,
        UserUttered,
    )

    events = [
        ActionExecuted("utter_greet", policy="RulePolicy", confidence=1.0),
        ActionExecutionRejected("report_form"),
        ActionReverted(),
        ActiveLoop("report_form"),
        ActiveLoop(None),
        AgentUttered("hello"),
        AllSlotsReset(),
        BotUttered("Hoi", {"buttons": [{"title": "Ja", "payload": "/affirm"}]}),
        ConversationPaused(),
        ConversationResumed(),
        EntitiesAdded([{"entity": "city", "value": "Lima", "start": 0, "end": 4}]),
        FollowupAction("action_listen"),
        LoopInterrupted(True),
        ReminderCancelled("reminder"),
        ReminderScheduled("greet", trigger_date_time=datetime(2026, 1, 1)),
        Restarted(),
        SessionStarted(),
        SlotSet("report_when", "gisteren"),
        SlotSet("report_contact", None),
        StoryExported(),
        UserUttered("hoi", {"name": "greet", "confidence": 0.9}, [], {"text": "hoi"}),
        UserUtteranceReverted(),
    ]
    return [event.as_dict() for event in events]


def _variants(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event, and the event with each key dropped or given a value of each JSON type."""
    found = [event]
    for key in event:
        found.append({k: v for k, v in event.items() if k != key})
        for odd in (None, 2.5, "x", [], {}):
            found.append({**event, key: odd})
    return found


def test_the_short_way_never_passes_what_rasa_refuses() -> None:
    """Every event kind, each key dropped or of another JSON type, alone and with a valid
    event before it: whatever the short way passes Rasa's check passes, and here it passes
    all that Rasa's does."""
    assert action_results._by_kind() is not None  # the schema has the shape it relies on
    valid = {"event": "slot", "name": "report_when", "value": "x"}
    agreed = disagreed = 0
    for event in _event_dicts():
        for variant in _variants(event):
            for result in ({"events": [variant]}, {"events": [valid, variant]}):
                # jsonschema's validate without checking the schema each time (compared
                # with Rasa's own check above): Rasa's verdict, a hundred times faster.
                rasa = first_error(result) is None
                ours = action_results.passes(result)
                assert rasa or not ours, result
                agreed, disagreed = agreed + (rasa == ours), disagreed + (rasa != ours)
    assert agreed > 500 and disagreed == 0
