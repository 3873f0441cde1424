"""A message in a language we do not speak, as the actions see it: the fallback answers with
the unsupported-language message in English and French, first in the language of ours its
speakers read best when there is one (`read_by` in data/languages.yml), and the
conversation language stays what it was. The `language` entries are what the detector
writes (bot/language/component.py)."""

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
        ("上司が毎日怒鳴ります", "ja", 0.99),
        ("상사가 매일 소리를 질러요", "ko", 0.99),
        ("หัวหน้าตะโกนใส่ฉันทุกวัน", "th", 0.99),
        ("dzień dobry, mój szef codziennie na mnie krzyczy", "pl", 0.95),
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


@pytest.mark.parametrize(
    "text, code, nearest",
    [
        ("шефът ми крещи всеки ден", "bg", "ru"),
        ("мој шеф виче на мене", "sr", "ru"),
    ],
)
def test_speakers_of_a_neighbour_language_are_told_in_it_first(text: str, code: str, nearest: str):
    messages, _ = run_action(ActionHandleFallback(), tracker(text, code, 0.9))
    assert [(m["response"], m.get("language")) for m in messages] == [
        ("utter_unsupported_language", nearest),
        *UNSUPPORTED_ANSWER,
    ]


def test_a_short_unclear_message_in_our_language_is_asked_again():
    t = build_tracker("euh", "nlu_fallback", detected={"code": "fr", "confidence": 0.5})
    messages, _ = run_action(ActionHandleFallback(), t)
    assert [m["response"] for m in messages] == ["utter_fallback"]


@pytest.mark.parametrize("language", [None, "ar", "en"])
def test_the_conversation_language_stays(language: str | None):
    t = tracker("میرا باس روزانہ مجھ پر چلاتا ہے", "ur", 0.97, language=language)
    _, events = run_action(ActionTrackLanguage(), t)
    assert slots_set(events) == {}
