"""A tracker copied by its state, not by replaying every event.

Rasa copies the conversation's tracker before every action it runs (the processor's
`_run_action`: the copy takes the policy's events, and a rejected action leaves the real
tracker untouched), and a form builds a temporary tracker from the whole history two or
three times per run (`FormAction._temporary_tracker`). Each replays every event through
`DialogueStateTracker.update`: linear in the conversation, several times per turn (in the
py-spy profile of docs/benchmark.md, 14 ms of a turn at turn 40 and growing).

A tracker's state "MUST be re-creatable by processing all the events" (Rasa's own comment
in `DialogueStateTracker.__init__`), and events are not changed once made; so the copy takes
the state as it is: the events (a new deque of the same objects, as Rasa's copy holds),
copies of the slots with their values, and the few attributes the events set. What Rasa's
copy leaves unset (model_id, assistant_id, sender_source) stays unset.

`install()` replaces both methods in the Rasa server process only (bot.servers.rasa_server);
a temporary form tracker falls back to Rasa's own when the history holds a restart or is
capped (the cases where it is built from fewer events than the tracker holds).
tests/unit/servers/test_tracker_copy.py compares every attribute with Rasa's copy on random
conversations and on a long report conversation."""

from __future__ import annotations

import copy as copying
import dataclasses
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, Restarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.servers import applied_events, dialogue_states

if TYPE_CHECKING:  # the forms module pulls in Rasa's actions: only where forms run
    from rasa.core.actions.forms import FormAction

RASA_COPY = DialogueStateTracker.copy
REPLACED: Dict[str, Callable[..., Any]] = {}  # Rasa's methods, once install() replaced them


def copied(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """What `tracker.copy()` returns, from the tracker's state instead of a replay."""
    copy = DialogueStateTracker(
        tracker.sender_id or DEFAULT_SENDER_ID,
        None,
        tracker._max_event_history,
        is_rule_tracker=tracker.is_rule_tracker,
    )
    copy.events = deque(tracker.events, maxlen=tracker.events.maxlen)
    # Each slot its own object (the copy's SlotSets must not reach the original); the
    # values are shared, as a replay shares the events' values.
    copy.slots = {name: copying.copy(slot) for name, slot in tracker.slots.items()}
    copy._paused = tracker._paused
    copy.followup_action = tracker.followup_action
    latest_action = tracker.latest_action
    copy.latest_action = dict(latest_action) if latest_action is not None else None
    copy.latest_message = tracker.latest_message
    copy.latest_bot_utterance = tracker.latest_bot_utterance
    loop = tracker.active_loop
    # Rasa changes a loop's flags in place (an interruption, a rejection): its own copy.
    copy.active_loop = dataclasses.replace(loop) if loop is not None else None
    applied_events.carry_over(tracker, copy)
    dialogue_states.carry_over(tracker, copy)
    return copy


def temporary_tracker(
    form: FormAction,
    current_tracker: DialogueStateTracker,
    additional_events: List[Event],
    domain: Domain,
) -> DialogueStateTracker:
    """What `FormAction._temporary_tracker` returns: the tracker with the form's request,
    its run and the events so far applied, without replaying the history."""
    if not _same_history(current_tracker, domain):
        return rasa_temporary_tracker()(form, current_tracker, additional_events, domain)
    tracker = copied(current_tracker)
    tracker.is_rule_tracker = False
    events: List[Event] = [
        SlotSet(REQUESTED_SLOT, form.get_slot_to_fill(current_tracker)),
        ActionExecuted(form.name()),
        *additional_events,
    ]
    for event in events:
        tracker.update(event)
    return tracker


def rasa_temporary_tracker() -> Callable[..., DialogueStateTracker]:
    """Rasa's own FormAction._temporary_tracker."""
    from rasa.core.actions.forms import FormAction

    return REPLACED.get("temporary", FormAction._temporary_tracker)


def _same_history(tracker: DialogueStateTracker, domain: Domain) -> bool:
    """Rasa builds the temporary tracker from the events after the latest restart, with
    the domain's slots: the same as the tracker's state when nothing was cut and the slots
    are the domain's."""
    events = tracker.events
    if events.maxlen is not None or any(isinstance(event, Restarted) for event in events):
        return False
    names = [slot.name for slot in domain.slots]
    return list(tracker.slots) == names


def install() -> None:
    from rasa.core.actions.forms import FormAction

    if getattr(DialogueStateTracker.copy, "_by_state", False):
        return
    REPLACED["temporary"] = FormAction._temporary_tracker

    def copy(self: DialogueStateTracker) -> DialogueStateTracker:
        return copied(self)

    def temporary(
        self: FormAction, tracker: DialogueStateTracker, events: List[Event], domain: Domain
    ) -> DialogueStateTracker:
        return temporary_tracker(self, tracker, events, domain)

    marked: list[Any] = [copy, temporary]
    for method, original in zip(marked, (RASA_COPY, REPLACED["temporary"]), strict=True):
        method._by_state = True
        method.__doc__ = original.__doc__
    DialogueStateTracker.copy = copy
    FormAction._temporary_tracker = temporary
