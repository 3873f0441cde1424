"""The Rasa server's tracker copies (bot/servers/tracker_copy.py) are Rasa's own: every
attribute the same as a replayed copy, on random conversations of the real domain with
forms, slots, follow-ups, pauses, reverts, rejections and restarts; and a copy changed
leaves the tracker it came from as it was."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.actions.forms import FormAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.benchmark.store import turn_events
from bot.servers.applied_events import MEMO, applied_events
from bot.servers.tracker_copy import RASA_COPY, copied, rasa_temporary_tracker, temporary_tracker

ROOT = Path(__file__).resolve().parents[3]


@lru_cache(maxsize=1)
def domain() -> Domain:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Slot auto-fill has been removed")
        return Domain.load(str(ROOT / "domain.yml"))


MAKERS: list[Callable[[], Event]] = [
    lambda: ActionExecuted("action_listen"),
    lambda: ActionExecuted("report_form"),
    lambda: ActionExecuted("utter_greet"),
    lambda: ActiveLoop("report_form"),
    lambda: ActiveLoop(None),
    lambda: UserUttered("hi", {"name": "greet", "confidence": 0.9}),
    lambda: UserUttered("my boss", {"name": "share_experience", "confidence": 0.7}),
    lambda: SlotSet("requested_slot", "report_description"),
    lambda: SlotSet("report_description", "he shouts at me"),
    lambda: SlotSet("language", "nl"),
    lambda: SlotSet("language", None),
    lambda: BotUttered("When?", {"buttons": []}),
    lambda: ActionExecutionRejected("report_form"),
    lambda: LoopInterrupted(True),
    lambda: FollowupAction("utter_greet"),
    lambda: ConversationPaused(),
    lambda: ConversationResumed(),
    lambda: AllSlotsReset(),
    lambda: ActionReverted(),
    lambda: UserUtteranceReverted(),
    lambda: Restarted(),
    lambda: SessionStarted(),
]
REPORT_TURN = [5, 0, 1, 3, 7, 8, 11, 0]


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds, its events by identity (a copy holds the same events)."""
    loop = tracker.active_loop
    return {
        "attributes": sorted(set(tracker.__dict__) - {MEMO}),
        "sender": (tracker.sender_id, tracker.sender_source, tracker.is_rule_tracker),
        "ids": (tracker.model_id, tracker.assistant_id),
        "history": (tracker._max_event_history, tracker.events.maxlen),
        "events": [id(event) for event in tracker.events],
        "slots": {name: (type(s), vars(s)) for name, s in tracker.slots.items()},
        "paused": tracker._paused,
        "followup": tracker.followup_action,
        "latest": (tracker.latest_action, tracker.latest_message, tracker.latest_bot_utterance),
        "loop": dataclasses.asdict(loop) if loop else None,
        "current": tracker.current_state(EventVerbosity.ALL),
        "applied": [id(event) for event in tracker.applied_events()],
    }


def build(kinds: list) -> DialogueStateTracker:
    tracker = DialogueStateTracker("someone", domain().slots)
    for kind in kinds:
        for index in kind if isinstance(kind, list) else [kind]:
            tracker.update(MAKERS[index]())
    return tracker


kinds_strategy = st.lists(
    st.one_of(st.integers(0, len(MAKERS) - 1), st.just(REPORT_TURN)), max_size=50
)


@settings(max_examples=150, deadline=None)
@given(kinds_strategy)
def test_a_copy_is_rasas_copy(kinds: list):
    tracker = build(kinds)
    before = state(tracker)
    ours, rasas = copied(tracker), RASA_COPY(tracker)
    assert state(ours) == state(rasas)
    assert state(tracker) == before


@settings(max_examples=100, deadline=None)
@given(kinds_strategy, st.lists(st.integers(0, len(MAKERS) - 1), min_size=1, max_size=8))
def test_changing_a_copy_leaves_the_tracker_and_matches_rasa(kinds: list, more: list):
    tracker = build(kinds)
    applied_events(tracker)  # a fold on the tracker that the copy carries on
    before = state(tracker)
    ours, rasas = copied(tracker), RASA_COPY(tracker)
    for index in more:
        event = MAKERS[index]()
        ours.update(event)
        rasas.update(event)
        assert applied_events(ours) == RASA_COPY(rasas).applied_events()
    assert state(ours) == state(rasas)
    assert state(tracker) == before


@settings(max_examples=100, deadline=None)
@given(kinds_strategy, st.lists(st.integers(0, len(MAKERS) - 1), max_size=5))
def test_a_forms_temporary_tracker_is_rasas(kinds: list, so_far: list):
    tracker = build(kinds)
    form = FormAction("report_form", None)
    events = [MAKERS[index]() for index in so_far]
    ours = temporary_tracker(form, tracker, events, domain())
    rasas = rasa_temporary_tracker()(form, tracker, events, domain())
    # Rasa's temporary tracker makes its own request and run events: the same, not the
    # same objects.
    ours_state, rasas_state = state(ours), state(rasas)
    assert len(ours_state.pop("events")) == len(rasas_state.pop("events"))
    ours_applied, rasas_applied = ours_state.pop("applied"), rasas_state.pop("applied")
    assert len(ours_applied) == len(rasas_applied)
    for current in (ours_state["current"], rasas_state["current"]):
        current.pop("latest_event_time")
        for event in current["events"]:
            event.pop("timestamp")
    assert ours_state == rasas_state


def test_a_long_report_conversation_turn_by_turn():
    tracker = DialogueStateTracker("someone", domain().slots)
    form = FormAction("report_form", None)
    for number in range(1, 41):
        for event in turn_events(number):
            tracker.update(event)
        assert state(copied(tracker)) == state(RASA_COPY(tracker))
        ours = temporary_tracker(form, tracker, [], domain())
        rasas = rasa_temporary_tracker()(form, tracker, [], domain())
        assert (
            ours.current_state(EventVerbosity.AFTER_RESTART)["slots"]
            == (rasas.current_state(EventVerbosity.AFTER_RESTART)["slots"])
        )
        assert len(ours.events) == len(rasas.events)
