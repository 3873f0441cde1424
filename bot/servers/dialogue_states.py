"""Domain.states_for_tracker_history, continued from where it last stopped.

Every policy turns the conversation into dialogue states (`tracker.past_states`) on each
prediction: Rasa replays the applied events into a fresh tracker from the first one and
takes a state before every action, two to nine times per turn. At turn 40 of a report
conversation (480 events) that was 5.5 ms of a 53 ms turn, 1.4 ms at turn 2 (measured
2026-12-05 on the benchmark's long conversations): the part of a prediction that grows.

`install()` replaces the method, in the Rasa server process only (bot.servers.rasa_server),
by Rasa's loop (unchanged) that keeps, per set of arguments, the states so far and light
checkpoints of the replayed tracker before its latest actions. A later call finds how many
of its applied events are the very objects the last one saw, restarts the loop from the
latest checkpoint within them, and replays only what follows. It starts from the first
event again when the domain, the arguments or the slots differ, when the history is capped
(max_event_history), when the change reaches further back than the checkpoints kept, and it
leaves the whole computation to Rasa when an event would change an earlier one
(EntitiesAdded). The memo goes with a copy of the tracker (bot/servers/tracker_copy.py) and
is continued on each conversation's snapshot at each save (bot/tracker_snapshots.py), so a
turn starts from the last one's states.

Callers get their own list; a state Rasa's callers may change (the last one, the states
sharing its parts, a user state holding both text and intent) is handed out as a copy, with
the sharing between them as Rasa's own would have. tests/unit/servers/test_dialogue_states.py
compares it with Rasa's on random conversations, call after call, as events are added."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from rasa.shared.core.constants import PREVIOUS_ACTION, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, EntitiesAdded, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT

MEMO = "_vm_dialogue_states"  # the attribute on the tracker: arguments -> _Fold
KEPT_POINTS = 24  # checkpoints kept per fold: a form's fold reaches back one or two
# Below this many applied events (some ten turns) Rasa's replay costs less than keeping a
# fold (measured at turn 2: 1.4 ms against 2.3 ms a turn).
SHORT_HISTORY = 100
RASA_STATES = Domain.states_for_tracker_history
# Events whose apply_to changes an earlier event (the latest message's entities).
CHANGING = (EntitiesAdded,)

Key = Tuple[bool, bool, str]


@dataclass(frozen=True)
class _Point:
    """The replayed tracker before the action at `index` of the applied events, and the
    fold's own variables there."""

    index: int
    count: int  # states taken before it
    last_ml: Any
    hidden: bool
    slots: Tuple[Tuple[str, Any, bool], ...]  # name, value, has been set
    paused: bool
    followup_action: Optional[str]
    latest_action: Any
    latest_message: Any
    latest_bot_utterance: Any
    active_loop: Any


@dataclass(frozen=True)
class _Fold:
    """One call's result, kept for the next; never changed once made."""

    domain: Domain
    rule_only_data: Any
    slot_names: Tuple[str, ...]
    applied: List[Any]
    points: Tuple[_Point, ...]
    states: List[State]
    # Each user message folded: where, and whether its text or its intent was featurized
    # then. A DefinePrevUserUtteredFeaturization changes that on the message itself, so
    # the states after it (Rasa's replay reads the message as it is now) are taken again.
    users: Tuple[Tuple[int, Any, Optional[bool]], ...]


# The argument sets seen, for continuing a snapshot's folds (replaced, never changed: read
# from the tracker store's worker thread).
_SEEN: Dict[Key, Tuple[Domain, bool, bool, Any]] = {}


def _point(index: int, replay: Any, count: int, last_ml: Any, hidden: bool) -> _Point:
    loop = replay.active_loop
    return _Point(
        index,
        count,
        last_ml,
        hidden,
        tuple((name, s._value, s._has_been_set) for name, s in replay.slots.items()),
        replay._paused,
        replay.followup_action,
        replay.latest_action,
        replay.latest_message,
        replay.latest_bot_utterance,
        dataclasses.replace(loop) if loop is not None else None,
    )


def _restored(tracker: Any, point: _Point, applied: Sequence[Any]) -> Any:
    """The replayed tracker as it was at `point`."""
    replay = tracker.init_copy()
    replay.events.extend(applied[: point.index])
    for name, value, was_set in point.slots:
        slot = replay.slots[name]
        slot._value, slot._has_been_set = value, was_set
    replay._paused = point.paused
    replay.followup_action = point.followup_action
    replay.latest_action = point.latest_action
    replay.latest_message = point.latest_message
    replay.latest_bot_utterance = point.latest_bot_utterance
    loop = point.active_loop
    # Rasa changes a loop's flags in place: the checkpoint keeps its own.
    replay.active_loop = dataclasses.replace(loop) if loop is not None else None
    return replay


def _take_state(
    domain: Domain,
    replay: Any,
    hide_rule_turn: bool,
    states: List[State],
    fold: Tuple[Any, bool],
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[str, Any]],
) -> Tuple[Any, bool]:
    """The body of Rasa's loop in Domain.states_for_tracker_history (3.6), for one prior
    tracker; returns the fold's variables (last ML action sub-state, turn hidden)."""
    last_ml, turn_was_hidden = fold
    if ignore_rule_only_turns:
        if not turn_was_hidden:
            last_ml = domain._get_prev_action_sub_state(replay)
        if not replay.followup_action and not replay.latest_action_name == replay.active_loop_name:
            turn_was_hidden = hide_rule_turn
        if turn_was_hidden:
            return last_ml, turn_was_hidden
    state = domain.get_active_state(replay, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if last_ml:
            state[PREVIOUS_ACTION] = last_ml
    states.append(domain._clean_state(state))
    return last_ml, turn_was_hidden


def _same_prefix(old: Sequence[Any], new: Sequence[Any]) -> int:
    """How many leading events are the very same objects."""
    length = min(len(old), len(new))
    if length and old[length - 1] is new[length - 1]:
        return length  # nothing taken back: the usual case, checked at once
    for index in range(length):
        if old[index] is not new[index]:
            return index
    return length


def _start(
    tracker: Any, fold: Optional[_Fold], domain: Domain, rule_only_data: Any, applied: List[Any]
) -> Optional[_Point]:
    if fold is None or fold.domain is not domain or fold.rule_only_data != rule_only_data:
        return None
    if fold.slot_names != tuple(tracker.slots):
        return None
    limit = _same_prefix(fold.applied, applied)
    for index, message, use_text in fold.users:
        if index >= limit:
            break
        if message.use_text_for_featurization != use_text:
            limit = index
            break
    for point in reversed(fold.points):
        if point.index <= limit:
            return point
    return None


def states_for_history(
    domain: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[str, Any]] = None,
) -> List[State]:
    """What Domain.states_for_tracker_history returns, from the state of the last call."""
    arguments = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    folded = _folded(domain, tracker, *arguments)
    if folded is None:
        return RASA_STATES(domain, tracker, *arguments)
    replay, states, fold_vars = folded
    last: List[State] = list(states)  # the final prior tracker's state: never kept
    _take_state(domain, replay, False, last, fold_vars, *arguments)
    return _handed_out(last, len(states))


def _folded(
    domain: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[str, Any]],
) -> Optional[Tuple[Any, List[State], Tuple[Any, bool]]]:
    """The states before every action, continued from the tracker's fold and kept on it,
    with the replayed tracker and the fold's variables after the last event; None where
    Rasa's own computation is the one to use."""
    if tracker._max_event_history is not None:
        return None
    applied = tracker.applied_events()
    if len(applied) < SHORT_HISTORY:
        return None
    # The rule-only data come anew with every prediction, equal: keyed by what they hold.
    key: Key = (omit_unset_slots, ignore_rule_only_turns, repr(rule_only_data))
    if _SEEN.get(key, (None,))[0] is not domain:
        _remember(key, (domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data))
    folds: Dict[Key, _Fold] = tracker.__dict__.get(MEMO) or {}
    point = _start(tracker, folds.get(key), domain, rule_only_data, applied)
    if point is None:
        replay, states, fold_vars, start, points = tracker.init_copy(), [], (None, False), 0, []
        users: List[Tuple[int, Any, Optional[bool]]] = []
    else:
        previous = folds[key]
        replay = _restored(tracker, point, applied)
        states = previous.states[: point.count]
        fold_vars, start = (point.last_ml, point.hidden), point.index
        points = [kept for kept in previous.points if kept.index < start]
        users = [user for user in previous.users if user[0] < start]
    if any(isinstance(event, CHANGING) for event in applied[start:]):
        tracker.__dict__.pop(MEMO, None)
        return None
    arguments = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    for index in range(start, len(applied)):
        event = applied[index]
        if isinstance(event, ActionExecuted):
            points.append(_point(index, replay, len(states), *fold_vars))
            fold_vars = _take_state(
                domain, replay, event.hide_rule_turn, states, fold_vars, *arguments
            )
        elif isinstance(event, UserUttered):
            users.append((index, event, event.use_text_for_featurization))
        replay.update(event)
    slot_names = tuple(tracker.slots)
    kept = _Fold(
        domain,
        rule_only_data,
        slot_names,
        applied,
        tuple(points[-KEPT_POINTS:]),
        states,
        tuple(users),
    )
    tracker.__dict__[MEMO] = {**folds, key: kept}
    return replay, states, fold_vars


def _handed_out(states: List[State], kept: int) -> List[State]:
    """The caller's list. Rasa's callers change the last state's user part and delete the
    text of a user part that also has an intent (rasa/core/featurizers): those states are
    copies, sharing parts among themselves where Rasa's would."""
    copies: Dict[int, Dict[str, Any]] = {}

    def part(sub: Any) -> Any:
        copy = copies.get(id(sub))
        if copy is None:
            copy = copies[id(sub)] = dict(sub)
        return copy

    # The last state is the caller's to change, also when it is a kept one: with rule-only
    # turns ignored, a hidden final turn adds no state of its own.
    if states:
        states[-1] = {name: part(sub) for name, sub in states[-1].items()}
    for index in range(min(kept, len(states) - 1)):
        state = states[index]
        user = state.get(USER)
        both = user is not None and TEXT in user and INTENT in user
        if both or any(id(sub) in copies for sub in state.values()):
            states[index] = {name: part(sub) for name, sub in state.items()}
    return states


def _remember(key: Key, arguments: Tuple[Domain, bool, bool, Any]) -> None:
    global _SEEN
    _SEEN = {**_SEEN, key: arguments}


def continue_on(tracker: DialogueStateTracker) -> None:
    """A conversation's snapshot, after its stored events grew: its folds continued for
    every set of arguments the policies used last, so the next turn's copy starts there."""
    for domain, omit, ignore, rule_only_data in list(_SEEN.values()):
        _folded(domain, tracker, omit, ignore, rule_only_data)


def carry_over(tracker: Any, copy: Any) -> None:
    """A copy of the tracker goes on from its folds (they are never changed once made)."""
    folds = tracker.__dict__.get(MEMO)
    if folds:
        copy.__dict__[MEMO] = dict(folds)


def install() -> None:
    if getattr(Domain.states_for_tracker_history, "_continued", False):
        return

    def method(
        self: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[str, Any]] = None,
    ) -> List[State]:
        return states_for_history(
            self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )

    method._continued = True  # type: ignore[attr-defined]
    method.__doc__ = RASA_STATES.__doc__
    Domain.states_for_tracker_history = method
