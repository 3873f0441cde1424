"""The greeting: in the conversation language when it is known, else a line in every
language ("hii", "salam" and "прив" tell no language), so nobody is greeted only in one they
may not read."""

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
