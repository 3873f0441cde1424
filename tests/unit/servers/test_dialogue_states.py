"""The Rasa server's dialogue states (bot/servers/dialogue_states.py), continued from its
last call, are Rasa's own: the same states after every event added to random conversations
with forms, reverts, rejections, hidden rule turns and restarts, for every set of arguments
the policies use, also on copies of the tracker and after callers changed what they got."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rasa.shared.core.constants import RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.benchmark.store import played, turn_by_turn, turn_events
from bot.servers import dialogue_states
from bot.servers.dialogue_states import MEMO, RASA_STATES, carry_over, states_for_history
from bot.servers.tracker_copy import copied

# The real domain, with two slots that shape the dialogue (the project's own do not, yet
# Rasa's states carry such slots, and so must a checkpoint).
SHAPING_SLOTS = """
version: "3.1"
slots:
  contact_kind:
    type: categorical
    values: [anonymous, named]
    influence_conversation: true
    mappings: [{type: custom}]
  story_told:
    type: bool
    influence_conversation: true
    mappings: [{type: custom}]
"""
DOMAIN = Domain.load("domain.yml").merge(Domain.from_yaml(SHAPING_SLOTS))
RULE_ONLY = {RULE_ONLY_SLOTS: ["story_told"], RULE_ONLY_LOOPS: ["status_form"]}
# The argument sets of the policies' calls: (omit unset slots, ignore rule-only turns, data).
ARGUMENTS: list[tuple[bool, bool, Any]] = [
    (False, False, None),
    (False, True, RULE_ONLY),
    (True, False, None),
]


@pytest.fixture(autouse=True)
def _every_history_folded():
    """Short histories are Rasa's (test_a_short_history_is_rasas): these tests fold all."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dialogue_states, "SHORT_HISTORY", 0)
        yield


def _user(intent: str, text: str = "my boss") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9})


# Each makes a new event: the memo follows identity.
MAKERS: list[Callable[[], Event]] = [
    lambda: ActionExecuted("action_listen"),
    lambda: ActionExecuted("report_form"),
    lambda: ActionExecuted("status_form"),
    lambda: ActionExecuted("utter_greet", hide_rule_turn=True),
    lambda: ActionExecuted("action_show_options"),
    lambda: ActiveLoop("report_form"),
    lambda: ActiveLoop("status_form"),
    lambda: ActiveLoop(None),
    lambda: _user("report"),
    lambda: _user("affirm", "yes"),
    lambda: DefinePrevUserUtteredFeaturization(False),
    lambda: SlotSet("requested_slot", "report_when"),
    lambda: SlotSet("report_when", "last week"),
    lambda: SlotSet("report_contact", "anonymous"),
    lambda: SlotSet("contact_kind", "anonymous"),
    lambda: SlotSet("story_told", True),
    lambda: SlotSet("contact_kind", None),
    lambda: BotUttered("When?"),
    lambda: ActionExecutionRejected("report_form"),
    lambda: LoopInterrupted(True),
    lambda: FollowupAction("action_listen"),
    lambda: ActionReverted(),
    lambda: UserUtteranceReverted(),
    lambda: Restarted(),
    lambda: SessionStarted(),
]
# A form's happy path: listen, the answer, its slot, the form again.
FORM_TURN = [0, 9, 10, 12, 14, 1, 11, 17]


def _as_callers_change_them(states: list) -> None:
    """What rasa/core/featurizers does to the states it gets: the last state's user part
    loses its text or its intent, and a user part with both loses its text."""
    if states and "user" in states[-1]:
        states[-1]["user"].pop("intent", None)
    for state in states:
        user = state.get("user", {})
        if "intent" in user and "text" in user:
            del user["text"]


def _same(tracker: DialogueStateTracker) -> None:
    for omit, ignore, data in ARGUMENTS:
        rasa = RASA_STATES(DOMAIN, tracker, omit, ignore, data)
        ours = states_for_history(DOMAIN, tracker, omit, ignore, data)
        assert ours == rasa
        _as_callers_change_them(ours)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, len(MAKERS) - 1), st.just(FORM_TURN)), max_size=50))
# A hidden rule turn last, with rule-only turns ignored: the caller changed a kept state.
@example([FORM_TURN, 3, 20, FORM_TURN])
def test_after_every_event_the_same_as_rasas(kinds: list):
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for kind in kinds:
        for index in kind if isinstance(kind, list) else [kind]:
            tracker.update(MAKERS[index]())
            _same(tracker)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, len(MAKERS) - 1), min_size=1, max_size=30),
    st.lists(st.integers(0, len(MAKERS) - 1), max_size=15),
)
def test_a_copy_goes_on_from_the_trackers_states(before: list, after: list):
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for index in before:
        tracker.update(MAKERS[index]())
    _same(tracker)
    copy = copied(tracker)
    assert MEMO in copy.__dict__
    for index in after:
        copy.update(MAKERS[index]())
        _same(copy)
    _same(tracker)  # the original's states did not take the copy's events


def test_a_message_featurized_anew_retakes_the_states_after_it():
    # Rasa's replay reads the user message as it is now: once a later event says its intent
    # (not its text) is featurized, every state after it says so (found by the test above).
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for index in (0, 8, 0, 0):
        tracker.update(MAKERS[index]())
        _same(tracker)
    copy = copied(tracker)
    copy.update(DefinePrevUserUtteredFeaturization(False))
    _same(copy)
    _same(tracker)  # the original sees the same message, changed


def test_a_long_report_conversation_turn_by_turn():
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for _ in turn_by_turn(tracker, 1, 40):
        _same(tracker)
        _same(tracker)  # twice: the second from what the first kept


def test_a_later_call_replays_only_what_came_after():
    tracker = played(DialogueStateTracker("someone", DOMAIN.slots), 1, 30)
    states_for_history(DOMAIN, tracker)
    played(tracker, 31, 31)
    replayed: list[Event] = []
    update = DialogueStateTracker.update

    def counting(self: DialogueStateTracker, event: Event, *args: Any) -> None:
        if self is not tracker:
            replayed.append(event)
        update(self, event, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DialogueStateTracker, "update", counting)
        ours = states_for_history(DOMAIN, tracker)
    assert ours == RASA_STATES(DOMAIN, tracker)
    assert 0 < len(replayed) <= 2 * len(turn_events(31))


def test_an_event_that_changes_an_earlier_one_is_left_to_rasa():
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for index in FORM_TURN:
        tracker.update(MAKERS[index]())
    _same(tracker)
    tracker.update(EntitiesAdded([{"entity": "post", "value": "Rabat"}]))
    tracker.update(ActionExecuted("action_listen"))
    _same(tracker)


def test_other_slots_start_over():
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for index in FORM_TURN:
        tracker.update(MAKERS[index]())
    _same(tracker)
    other = DialogueStateTracker("someone", slots=[])
    other.events.extend(tracker.events)
    carry_over(tracker, other)
    assert states_for_history(DOMAIN, other) == RASA_STATES(DOMAIN, other)


def test_a_capped_history_is_rasas():
    tracker = DialogueStateTracker("someone", DOMAIN.slots, max_event_history=6)
    for index in FORM_TURN * 3:
        tracker.update(MAKERS[index]())
        assert states_for_history(DOMAIN, tracker) == RASA_STATES(DOMAIN, tracker)
    assert MEMO not in tracker.__dict__


def test_a_short_history_is_rasas():
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dialogue_states, "SHORT_HISTORY", 20)
        for index in FORM_TURN * 2:
            tracker.update(MAKERS[index]())
        _same(tracker)
        assert MEMO not in tracker.__dict__
        for index in FORM_TURN * 2:
            tracker.update(MAKERS[index]())
        _same(tracker)
        assert MEMO in tracker.__dict__
