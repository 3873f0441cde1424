"""actions.base.attempt_of: what stays the same on every try of one report or handoff, so
sending again after a lost answer stores it once (bot.cases.store, bot.handoffs.store)."""

from __future__ import annotations

from actions.base import attempt_of

START = "action_start_report"


def user(message_id: str, timestamp: float) -> dict:
    return {"event": "user", "text": "…", "message_id": message_id, "timestamp": timestamp}


def action(name: str, timestamp: float) -> dict:
    return {"event": "action", "name": name, "timestamp": timestamp}


def test_the_same_report_is_the_same_attempt_whatever_came_after():
    started = [user("m1", 1.0), action(START, 2.0), user("m2", 3.0), action("report_form", 4.0)]
    first = attempt_of("rest:a", started, START)
    # The try whose turn was not saved and the try after it see the same start.
    again = attempt_of("rest:a", [*started, user("m3", 5.0)], START)
    assert first is not None and first == again


def test_another_report_another_conversation_or_no_report_are_not():
    one = [user("m1", 1.0), action(START, 2.0)]
    later = [*one, action("action_submit_report", 3.0), user("m4", 6.0), action(START, 7.0)]
    assert attempt_of("rest:a", later, START) != attempt_of("rest:a", one, START)
    assert attempt_of("rest:b", one, START) != attempt_of("rest:a", one, START)
    assert attempt_of("rest:a", [user("m1", 1.0)], START) is None
