"""A safety concern below the alarm: the first reply of the turn ends with where to get help
now, in the conversation's language; the conversation goes on as it would have."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.content.contacts import Contacts
from bot.content.nlg import ContentNLG
from bot.content.rendering import Renderer
from bot.content.store import ContentStore
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.safety.component import SafetyClassifier
from bot.safety.concern import FirstReplies, concern
from tests.support import ROOT
from tests.unit.safety.test_component import _message

CONTACTS = Contacts(
    values={"crisis_line": "+31 70 000 0110 (demo)", "security_desk": "+31 70 000 0102"},
    demo=False,
    crisis_lines={"default": "+31 70 000 0110 (demo)"},
)
STORY = "he said i will regret it when i leave the office today"


def test_a_probable_alarm_below_the_threshold_is_a_concern_of_its_kind():
    assert concern(STORY, None, {"danger": 0.4, "self_harm": 0.2}, None, 0.5) == "danger"
    assert concern(STORY, None, {"danger": 0.1, "self_harm": 0.5}, None, 0.5) == "self_harm"
    assert concern(STORY, None, {"danger": 0.3, "self_harm": 0.1}, None, 0.5) is None


def test_the_intent_models_own_alarm_below_its_confidence_is_a_concern():
    model = {"name": "emergency", "confidence": 0.6}
    assert concern(STORY, None, {"danger": 0.1, "self_harm": 0.0}, model, 0.5, 0.5) == "danger"
    assert concern(STORY, None, None, {"name": "self_harm", "confidence": 0.7}) == "self_harm"
    assert concern(STORY, None, None, {"name": "report_incident", "confidence": 0.9}) is None


def test_a_lexicon_finding_the_classifier_vetoed_is_a_concern():
    unlikely = {"danger": 0.02, "self_harm": 0.01}
    assert concern(STORY, None, unlikely, None, 0.5, 0.5, "danger") == "danger"
    assert concern(STORY, None, unlikely, None, 0.5, 0.5, None) is None


def test_no_concern_beside_a_verdict_or_on_a_short_answer():
    probable = {"danger": 0.9, "self_harm": 0.0}
    assert concern(STORY, "danger", probable, None) is None  # the safety answer is given
    assert concern("tonight", None, probable, None) is None
    assert concern("my boss", None, probable, {"name": "emergency", "confidence": 0.7}) is None


def test_the_component_marks_a_concern_the_model_saw(component_without_classifier):
    message = _message(
        "my manager was so angry today that i could not stop shaking",
        ("emergency", 0.6),
        ("share_experience", 0.3),
    )
    component_without_classifier.process([message])
    assert message.get("safety") is None
    assert message.get("intent")["name"] == "share_experience"  # the reply goes on as it was
    assert message.get("safety_concern") == "danger"
    answer = _message("tonight", ("emergency", 0.6), ("inform", 0.3))
    component_without_classifier.process([answer])
    assert answer.get("safety_concern") is None


def test_as_configured_the_models_own_alarm_alone_is_a_concern_not_the_safety_answer():
    """config.yml: the model's alarm never answers alone (seen by hand: "he yells at me every
    day and says I'm stupid" in Dutch got the emergency answer from a 0.995 model alarm)."""
    from bot.safety.evaluation import configured_component

    config = {**SafetyClassifier.get_default_config(), **configured_component()}
    component = SafetyClassifier.create(config, None, None, None)  # type: ignore[arg-type]
    message = _message(
        "hij schreeuwt elke dag tegen me en zegt dat ik dom ben",
        ("emergency", 0.995),
        ("share_experience", 0.003),
    )
    component.process([message])
    assert message.get("safety") is None
    assert message.get("intent")["name"] == "share_experience"
    assert message.get("safety_concern") == "danger"


@pytest.fixture(scope="module")
def component_without_classifier():
    from bot.safety.component import SafetyClassifier

    config = {**SafetyClassifier.get_default_config(), "lexicon_dir": "data/safety"}
    return SafetyClassifier.create(config, None, None, None)  # type: ignore[arg-type]


def test_only_the_first_reply_of_a_turn_counts():
    replies = FirstReplies(size=2)
    assert replies.is_first("a", "1") and not replies.is_first("a", "1")
    assert replies.is_first("a", "2")
    assert replies.is_first("b", "1") and replies.is_first("c", "1")
    assert replies.is_first("a", "2")  # forgotten: only the two most recent are kept


def _tracker(language: str, kind: str | None, message_id: str = "m1") -> DialogueStateTracker:
    parse = {"safety_concern": kind, "intent": {"name": "share_experience", "confidence": 0.7}}
    return DialogueStateTracker.from_events(
        "someone",
        [
            SlotSet("language", language),
            UserUttered(STORY, parse_data=parse, message_id=message_id),
        ],
    )


@pytest.fixture()
def nlg(monkeypatch: pytest.MonkeyPatch) -> ContentNLG:
    from bot import runtime

    renderer = Renderer(ContentStore(ROOT / "data" / "content"), CONTACTS, {"en": "English"})
    monkeypatch.setattr(runtime, "renderer", lambda: renderer)
    return ContentNLG()


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_first_reply_ends_with_where_to_get_help_in_the_conversations_language(
    nlg: ContentNLG, language: str
):
    plain = asyncio.run(
        nlg.generate("utter_acknowledge_experience_general", _tracker(language, None), "rest")
    )
    tracker = _tracker(language, "danger")
    first = asyncio.run(nlg.generate("utter_acknowledge_experience_general", tracker, "rest"))
    second = asyncio.run(nlg.generate("utter_greet", tracker, "rest"))
    again = asyncio.run(nlg.generate("utter_greet", _tracker(language, None, "m2"), "rest"))
    assert plain and first and second and again
    assert "0102" not in plain["text"]
    assert first["text"].startswith(plain["text"].rstrip()) and "0102" in first["text"]
    assert first["buttons"] == plain["buttons"]  # the reply's choices stay as they were
    assert "0102" not in second["text"] and second["text"] == again["text"]
    harm = asyncio.run(
        nlg.generate(
            "utter_acknowledge_experience_general", _tracker(language, "self_harm", "m3"), "rest"
        )
    )
    assert harm and "0110" in harm["text"]


def test_a_passphrase_typed_gets_no_line(nlg: ContentNLG):
    # Words drawn by chance for a receipt ("bridge", "jump") are not what the person said.
    parse = {"safety_concern": "self_harm", "intent": {"name": "inform", "confidence": 0.7}}
    typed = "River bridge, jump rope lamp"
    tracker = DialogueStateTracker.from_events(
        "someone", [SlotSet("language", "en"), UserUttered(typed, parse_data=parse, message_id="p")]
    )
    reply = asyncio.run(nlg.generate("utter_status_invalid", tracker, "rest"))
    plain = asyncio.run(nlg.generate("utter_status_invalid", _tracker("en", None, "p2"), "rest"))
    assert reply and plain and reply["text"] == plain["text"]


def test_sms_gets_the_short_line(nlg: ContentNLG):
    web = asyncio.run(
        nlg.generate("utter_acknowledge_experience_general", _tracker("en", "danger"), "rest")
    )
    sms = asyncio.run(
        nlg.generate(
            "utter_acknowledge_experience_general", _tracker("en", "danger", "m9"), "twilio"
        )
    )
    assert web and sms and "0102" in sms["text"]
    assert len(sms["text"]) < len(web["text"])
