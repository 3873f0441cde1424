"""A message in a language we do not speak, as the actions see it: the fallback answers with
the unsupported-language message in English and French, and the conversation language stays
what it was. The `language` entries are what the detector writes (bot/language/component.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.fallback import ActionHandleFallback
from actions.language import ActionTrackLanguage
from tests.support.tracker import build_tracker, run_action, slots_set

UNSUPPORTED_ANSWER = [
    ("utter_unsupported_language", "en"),
    ("utter_unsupported_language", "fr"),
]


def tracker(text: str, code: str, confidence: float, **details: Any) -> Tracker:
    detected = {"code": code, "confidence": confidence, "supported": False}
    return build_tracker(text, "nlu_fallback", detected=detected, **details)


@pytest.mark.parametrize(
    "text, code, confidence",
    [
        ("我的老板每天都对我大喊大叫", "zh", 0.99),  # one "word" to a whitespace tokenizer
        ("谢谢你", "zh", 0.97),
        ("上司が毎日怒鳴ります", "ja", 0.99),
        ("رئیسم هر روز سرم داد می‌زند", "fa", 0.72),
        ("میرا باس روزانہ مجھ پر چلاتا ہے", "ur", 0.63),
        ("мій керівник постійно кричить на мене", "uk", 0.98),
    ],
)
def test_the_fallback_answers_that_we_do_not_speak_the_language(
    text: str, code: str, confidence: float
):
    for language in (None, "ar", "nl"):
        messages, events = run_action(
            ActionHandleFallback(), tracker(text, code, confidence, language=language)
        )
        assert [(m["response"], m.get("language")) for m in messages] == UNSUPPORTED_ANSWER
        assert [e for e in events if e["event"] == "slot"] == []  # the language stays


def test_a_short_unclear_message_in_our_language_is_asked_again():
    t = build_tracker("euh", "nlu_fallback", detected={"code": "fr", "confidence": 0.5})
    messages, _ = run_action(ActionHandleFallback(), t)
    assert [m["response"] for m in messages] == ["utter_fallback"]


@pytest.mark.parametrize("language", [None, "ar", "en"])
def test_the_conversation_language_stays(language: str | None):
    t = tracker("رئیسم هر روز سرم داد می‌زند", "fa", 0.97, language=language)
    _, events = run_action(ActionTrackLanguage(), t)
    assert slots_set(events) == {}
