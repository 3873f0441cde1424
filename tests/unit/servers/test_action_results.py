"""bot/servers/action_results.py: the action server's answers are accepted and refused as
Rasa's own check (jsonschema.validate with the schema checked every time) does, with the
same error."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.servers import action_results

RASA = RemoteAction._validate_action_result  # the original: nothing is installed in tests
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
        assert (action_results.first_error(result) is None) == (_rasa_error(result) is None)
