"""'Delete my data': asked first, deleted only on a yes to that question, never mid-form."""

from __future__ import annotations

from typing import Any

from actions.privacy import ActionConfirmDeleteData, ActionDeleteData
from tests.support.tracker import build_tracker, run_action

ASKED = [
    {"event": "user", "text": "delete my data", "parse_data": {"intent": {"name": "delete_data"}}},
    {"event": "action", "name": "action_delete_data"},
    {"event": "bot", "text": "Before I delete anything..."},
    {"event": "action", "name": "action_listen"},
]


def answer(intent: str, history: list[dict[str, Any]], **details: Any):
    text = {"affirm": "yes", "deny": "no"}.get(intent, "hmm")
    events = [*history, {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}]
    return run_action(
        ActionConfirmDeleteData(), build_tracker(text, intent, events=events, **details)
    )


def test_the_question_says_what_goes_and_asks_yes_or_no():
    messages, events = run_action(
        ActionDeleteData(), build_tracker("delete my data", "delete_data")
    )
    assert [m["response"] for m in messages] == ["utter_delete_data"]
    assert events == [], "asking deletes nothing"


def test_in_the_middle_of_a_report_nothing_is_asked_and_the_form_goes_on():
    t = build_tracker("delete my data", "delete_data", active_loop="report_form")
    messages, events = run_action(ActionDeleteData(), t)
    assert [m["response"] for m in messages] == ["utter_delete_data_in_form"]
    assert events == []


def test_yes_to_the_question_deletes_with_a_restart_after_saying_so():
    messages, events = answer("affirm", ASKED)
    assert [m["response"] for m in messages] == ["utter_delete_data_done"]
    assert [e["event"] for e in events] == ["restart"]


def test_no_keeps_everything():
    messages, events = answer("deny", ASKED)
    assert [m["response"] for m in messages] == ["utter_delete_data_kept"]
    assert events == []


def test_a_yes_to_another_question_never_deletes():
    other = [
        {"event": "user", "text": "I want an advisor"},
        {"event": "action", "name": "action_find_advisor"},
        {"event": "action", "name": "action_listen"},
    ]
    messages, events = answer("affirm", other)
    assert [m["response"] for m in messages] == ["utter_delete_data_kept"]
    assert events == []
    # Nor a yes two messages after the question.
    later = [
        *ASKED,
        {"event": "user", "text": "wait"},
        {"event": "action", "name": "action_listen"},
    ]
    assert answer("affirm", later)[1] == []


def test_a_yes_while_a_form_runs_never_deletes():
    assert answer("affirm", ASKED, active_loop="report_form")[1] == []
