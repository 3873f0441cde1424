"""The custom actions, run as the action server runs them, on tracker fixtures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.experience import ActionAcknowledgeExperience
from actions.fallback import ActionHandleFallback
from actions.language import ActionChangeLanguage, ActionTrackLanguage
from actions.privacy import ActionDeleteData


def tracker(
    text: str,
    intent: str = "share_experience",
    language: dict | None = None,
    slot: str | None = None,
    entities: list | None = None,
    sender: str = "whatsapp:+221771234567",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    if language is not None:
        latest["language"] = language
    return Tracker(sender, {"language": slot}, latest, [], False, None, {}, "action_listen")


def run(action: Any, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def slot_events(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


class TestTrackLanguage:
    def test_is_the_validation_action_rasa_calls_after_every_message(self):
        assert ActionTrackLanguage().name() == "action_validate_slot_mappings"

    def test_first_confident_message_sets_the_conversation_language(self):
        _, events = run(
            ActionTrackLanguage(), tracker("bonjour", language={"code": "fr", "confidence": 0.9})
        )
        assert slot_events(events) == {"language": "fr"}

    def test_ok_does_not_switch_away_from_french(self):
        t = tracker("ok", "affirm", language={"code": "en", "confidence": 0.97}, slot="fr")
        assert run(ActionTrackLanguage(), t)[1] == []

    def test_a_clear_long_message_switches(self):
        t = tracker(
            "my manager is shouting at me every day",
            language={"code": "en", "confidence": 0.95},
            slot="fr",
        )
        assert slot_events(run(ActionTrackLanguage(), t)[1]) == {"language": "en"}

    def test_language_menu_button_switches(self):
        t = tracker(
            '/change_language{"language": "ar"}',
            "change_language",
            slot="en",
            entities=[{"entity": "language", "value": "ar"}],
        )
        assert slot_events(run(ActionTrackLanguage(), t)[1]) == {"language": "ar"}

    def test_asking_in_words_switches(self):
        t = tracker(
            "can we speak Spanish please",
            "change_language",
            language={"code": "en", "confidence": 0.99},
            slot="en",
        )
        assert slot_events(run(ActionTrackLanguage(), t)[1]) == {"language": "es"}


class TestChangeLanguage:
    def test_confirms_in_the_new_language(self):
        messages, events = run(
            ActionChangeLanguage(), tracker("en français svp", "change_language")
        )
        assert messages[0]["response"] == "utter_language_changed"
        assert messages[0]["language"] == "fr"
        assert slot_events(events) == {"language": "fr"}

    def test_shows_the_menu_when_no_language_is_named(self):
        messages, events = run(ActionChangeLanguage(), tracker("other language", "change_language"))
        assert messages[0]["response"] == "utter_language_menu"
        assert events == []


class TestAcknowledgeExperience:
    @pytest.mark.parametrize(
        "text, slot, phrase",
        [
            ("bonjour, mon chef me crie dessus devant tout le monde", "fr", "intimidation"),
            ("the driver uses the official car as a taxi for his friends", "en", "misuse of power"),
            ("mijn collega raakt me steeds aan en maakt seksuele opmerkingen", "nl", "seksuele"),
            ("el jefe de la seccion de visas acepta sobornos", "es", "fraude"),
        ],
    )
    def test_names_the_kind_of_behaviour_in_the_users_language(self, text, slot, phrase):
        messages, _ = run(ActionAcknowledgeExperience(), tracker(text, slot=slot))
        assert messages[0]["response"] == "utter_acknowledge_experience"
        assert phrase in messages[0]["behaviour"]

    def test_without_a_recognisable_kind_acknowledges_without_naming(self):
        messages, _ = run(
            ActionAcknowledgeExperience(), tracker("something happened at work", slot="en")
        )
        assert messages[0]["response"] == "utter_acknowledge_experience_general"

    def test_a_button_invites_the_story(self):
        messages, _ = run(ActionAcknowledgeExperience(), tracker("/share_experience", slot="en"))
        assert messages[0]["response"] == "utter_invite_story"


class TestFallback:
    def test_unsupported_language_is_answered_in_english_and_french(self):
        t = tracker(
            "habari yako, bosi wangu ananipigia kelele kila siku",
            "nlu_fallback",
            language={"code": "sw", "confidence": 0.5},
        )
        messages, _ = run(ActionHandleFallback(), t)
        assert [(m["response"], m["language"]) for m in messages] == [
            ("utter_unsupported_language", "en"),
            ("utter_unsupported_language", "fr"),
        ]

    def test_unclear_message_in_a_supported_language_asks_to_rephrase(self):
        t = tracker(
            "hmm well the thing", "nlu_fallback", language={"code": "en", "confidence": 0.8}
        )
        messages, _ = run(ActionHandleFallback(), t)
        assert [m["response"] for m in messages] == ["utter_fallback"]


def test_delete_data_gives_a_pseudonymous_reference_and_deletes_nothing():
    messages, events = run(ActionDeleteData(), tracker("delete everything", "delete_data"))
    reference = messages[0]["conversation_reference"]
    assert messages[0]["response"] == "utter_delete_data"
    assert reference.startswith("VM-") and "221771234567" not in reference
    assert events == []  # nothing pretends a deletion happened
    again, _ = run(ActionDeleteData(), tracker("delete", "delete_data"))
    assert again[0]["conversation_reference"] == reference
