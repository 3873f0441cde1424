"""The Rasa server keeps the conversation language in process (bot/servers/track_language.py)
exactly as the action server's action_validate_slot_mappings does: Rasa's
action_extract_slots is run on the real domain both ways, once calling the action as the
action server runs it (the request Rasa builds, through JSON, into rasa_sdk's executor with
the real action) and once in process, and the events must be the same."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Optional

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from actions.language import ActionTrackLanguage
from bot.servers.track_language import in_process
from tests.support.tracker import ROOT

SENDER = "whatsapp-3b9e1f"
ORIGINAL = ActionExtractSlots._execute_validation_action


@lru_cache(maxsize=1)
def _domain() -> Domain:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Slot auto-fill has been removed")
        return Domain.load(str(ROOT / "domain.yml"))


def _action_server() -> EndpointConfig:
    """An action endpoint whose requests rasa_sdk's executor answers, as the action server
    would, after the same JSON round trip."""
    executor = ActionExecutor()
    executor.register_action(ActionTrackLanguage)
    endpoint = EndpointConfig(url="http://actions.invalid/webhook")

    async def request(*, json: Any = None, **_options: Any) -> Any:
        answer = await executor.run(_round_trip(json))
        return _round_trip(answer)

    endpoint.request = request  # type: ignore[method-assign]
    return endpoint


def _round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _tracker(
    text: str,
    intent: str = "share_experience",
    *,
    language: Optional[str] = None,
    detected: Optional[dict] = None,
    entities: Sequence[dict] = (),
    form: Optional[str] = None,
    asking: Optional[str] = None,
) -> DialogueStateTracker:
    events: list[Event] = [ActionExecuted("action_listen")]
    if language:
        events.insert(0, SlotSet("language", language))
    if form:
        events[:0] = [ActiveLoop(form), SlotSet("requested_slot", asking)]
    parse_data: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    if detected is not None:
        parse_data["language"] = detected
    events.append(
        UserUttered(text, parse_data["intent"], list(entities), parse_data, input_channel="rest")
    )
    return DialogueStateTracker.from_events(SENDER, events, _domain().slots)


def _extract(tracker: DialogueStateTracker, how: Any) -> list[tuple[str, str, Any]]:
    action = ActionExtractSlots(_action_server())
    nlg = TemplatedNaturalLanguageGenerator(_domain().responses)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ActionExtractSlots, "_execute_validation_action", how)
        events = asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, _domain()))
    return [(type(e).__name__, getattr(e, "key", ""), getattr(e, "value", None)) for e in events]


FR, EN = {"code": "fr", "confidence": 0.9}, {"code": "en", "confidence": 0.97}
CASES = {
    "a first sure message sets it": _tracker("bonjour", detected=FR),
    "an unsure first message does not": _tracker("hm", detected={"code": "fr", "confidence": 0.4}),
    "no reading of the language": _tracker("hello"),
    "ok does not switch from French": _tracker("ok", "affirm", detected=EN, language="fr"),
    "a clear long message switches": _tracker(
        "my manager is shouting at me every day", detected={"code": "en", "confidence": 0.95},
        language="fr",
    ),
    "a language we do not speak": _tracker(
        "mój kierownik krzyczy na mnie codziennie", detected={"code": "pl", "confidence": 0.9},
        language="en",
    ),
    "the menu's button": _tracker(
        '/change_language{"language": "ar"}', "change_language", language="en",
        entities=[{"entity": "language", "value": "ar"}],
    ),
    "asking in words": _tracker(
        "can we speak Spanish please", "change_language", detected=EN, language="en",
    ),
    "asking for the language it is": _tracker(
        "english please", "change_language", detected=EN, language="en",
    ),
    "naming the advisor's language (a from_text slot too)": _tracker(
        "french", "change_language", detected=EN, language="en", form="advisor_form",
        asking="advisor_language",
    ),
    "a passphrase's English words (a from_text slot too)": _tracker(
        "river candle orbit maple honest", "inform", detected=EN, language="nl",
        form="status_form", asking="status_passphrase",
    ),
    "a report's story in another language (a from_text slot too)": _tracker(
        "mi jefe me grita todos los dias delante de todos", "share_experience",
        detected={"code": "es", "confidence": 0.95}, language="en", form="report_form",
        asking="report_what_happened",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_in_process_is_what_the_action_server_answers(case: str):
    tracker = CASES[case]
    remote = _extract(tracker, ORIGINAL)
    assert _extract(tracker, in_process(ORIGINAL)) == remote


def test_the_cases_cover_setting_switching_and_keeping():
    found = {case: _extract(CASES[case], ORIGINAL) for case in CASES}
    languages = [v for events in found.values() for (_, k, v) in events if k == "language"]
    assert {"fr", "en", "ar", "es"} <= set(languages)
    assert any(not events for events in found.values())
    assert any(k not in ("", "language") for events in found.values() for (_, k, _) in events)


def test_a_domain_without_the_language_slot_keeps_rasas_own_call():
    calls: list[str] = []

    async def original(*args: Any) -> list[Event]:
        calls.append("rasa")
        return []

    domain = Domain.from_yaml('version: "3.1"\nactions: [action_validate_slot_mappings]\n')
    tracker = DialogueStateTracker.from_events(SENDER, [UserUttered("hi")], domain.slots)
    events = asyncio.run(in_process(original)(None, [], None, None, tracker, domain))
    assert events == [] and calls == ["rasa"]
