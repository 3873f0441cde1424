"""The greeting: in the conversation language when it is known, else a line in every
language ("hii", "salam" tell no language), so nobody is greeted only in one they may not
read, or in each of ours written in its letters ("прив": Russian and Ukrainian)."""

from __future__ import annotations

from actions.language import ActionGreet
from tests.support.tracker import build_tracker, run_action


def test_a_known_language_is_greeted_in_it() -> None:
    messages, _ = run_action(ActionGreet(), build_tracker("namaste", "greet", language="hi"))
    assert [m["response"] for m in messages] == ["utter_greet"]


def test_an_unknown_language_is_greeted_in_every_language() -> None:
    detected = {"code": "en", "confidence": 0.38, "supported": True}
    messages, events = run_action(ActionGreet(), build_tracker("hii", "greet", detected=detected))
    assert [m["response"] for m in messages] == ["utter_welcome"]
    assert events == []  # the next, clearer message sets the language


def test_a_first_greeting_in_cyrillic_is_welcomed_in_russian_and_ukrainian() -> None:
    # 'прив' is Russian and Ukrainian chat alike: it sets no language (the detector says so
    # with `shared_with`), and its welcome is in the two of ours written in Cyrillic.
    detected = {"code": "uk", "confidence": 0.64, "supported": True, "shared_with": ["ru"]}
    messages, events = run_action(ActionGreet(), build_tracker("прив", "greet", detected=detected))
    assert [m["response"] for m in messages] == ["utter_welcome"]
    assert messages[0]["welcome_languages"] == ["ru", "uk"]
    assert events == []


def test_a_first_greeting_in_latin_letters_is_welcomed_in_every_language() -> None:
    detected = {"code": "de", "confidence": 0.36, "supported": True, "shared_with": ["nl"]}
    messages, _ = run_action(ActionGreet(), build_tracker("hallo", "greet", detected=detected))
    assert messages[0]["welcome_languages"] == []
