"""The Rasa server's applied_events (bot/servers/applied_events.py), continued from its last
call, is Rasa's own: the same events, the very same objects, after every event added to
random conversations with forms, reverts, rejections and restarts."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.benchmark.store import domain, turn_by_turn
from bot.servers.applied_events import MEMO, applied_events

RASA = DialogueStateTracker.applied_events  # the original: nothing is installed in tests

# Each makes a new event: identity is what is compared.
MAKERS: list[Callable[[], Event]] = [
    lambda: ActionExecuted("action_listen"),
    lambda: ActionExecuted("report_form"),
    lambda: ActionExecuted("status_form"),
    lambda: ActionExecuted("utter_greet"),
    lambda: ActiveLoop("report_form"),
    lambda: ActiveLoop("status_form"),
    lambda: ActiveLoop(None),
    lambda: UserUttered("hi", {"name": "greet"}),
    lambda: DefinePrevUserUtteredFeaturization(False),
    lambda: SlotSet("requested_slot", "report_when"),
    lambda: BotUttered("When?"),
    lambda: ActionExecutionRejected("report_form"),
    lambda: ActionExecutionRejected("status_form"),
    lambda: ActionReverted(),
    lambda: UserUtteranceReverted(),
    lambda: Restarted(),
    lambda: SessionStarted(),
]
# A form's happy path repeated: what makes Rasa's computation quadratic.
FORM_TURN = [7, 8, 1, 9, 10, 0]


def _same(tracker: DialogueStateTracker) -> None:
    ours, rasa = applied_events(tracker), RASA(tracker)
    assert [id(e) for e in ours] == [id(e) for e in rasa]


@given(st.lists(st.one_of(st.integers(0, len(MAKERS) - 1), st.just(FORM_TURN)), max_size=60))
def test_after_every_event_the_same_as_rasas(kinds: list):
    tracker = DialogueStateTracker("someone", slots=[])
    for kind in kinds:
        for index in kind if isinstance(kind, list) else [kind]:
            tracker.events.append(MAKERS[index]())  # what tracker.update does first
            _same(tracker)


def test_a_long_report_conversation_turn_by_turn():
    tracker = DialogueStateTracker("someone", domain().slots)
    for _ in turn_by_turn(tracker, 1, 40):
        _same(tracker)
        _same(tracker)  # twice: the second from what the first kept


def test_a_new_loop_name_starts_over():
    tracker = DialogueStateTracker("someone", slots=[])
    # The form runs before its ActiveLoop: only once the loop is known are its runs folded.
    for event in [ActionExecuted("report_form"), UserUttered("x"), ActionExecuted("report_form")]:
        tracker.events.append(event)
        _same(tracker)
    tracker.events.append(ActiveLoop("report_form"))
    _same(tracker)
    assert len(applied_events(tracker)) == len(RASA(tracker)) == 2


def test_a_trimmed_history_and_a_replaced_one_start_over():
    trimmed = DialogueStateTracker("someone", slots=[], max_event_history=5)
    for number in range(12):
        trimmed.events.append(MAKERS[number % 4]())
        _same(trimmed)
    tracker = DialogueStateTracker("someone", slots=[])
    tracker.events.append(UserUttered("a"))
    _same(tracker)
    tracker.events = DialogueStateTracker("other", slots=[]).events
    tracker.events.append(UserUttered("b"))
    _same(tracker)


def test_what_callers_get_is_their_own_list():
    tracker = DialogueStateTracker("someone", slots=[])
    tracker.events.append(UserUttered("a"))
    applied_events(tracker).clear()
    assert len(applied_events(tracker)) == 1
    assert tracker.__dict__[MEMO].seen == 1
