"""DialogueStateTracker.applied_events, continued from where it last stopped.

Every prediction asks the tracker for its applied events (its events without those a
revert undid, and with a form's repeated runs folded into its first) several times: once or
twice per policy, and in the processor and the actions. Rasa computes them from the first
event every time, and a form's every run copies the list built so far: quadratic in the
form's turns. Measured 2026-12-05 on a 40-turn report conversation (447 events), this was
more than half of a prediction (54 ms at turn 40, 19 ms at turn 3).

`install()` replaces the method, in the Rasa server process only (bot.servers.rasa_server),
by the same fold (Rasa's loop, unchanged, over the same events) that keeps its state on the
tracker: the list so far, how many events it has seen and the last of them, and the loop
names it was computed with. A later call folds only the events appended since. It starts
from the first event again when what it saw is not the tracker's beginning any more (the
event list replaced, or trimmed by a max_event_history) or when a new event names a loop
not among those names (Rasa collects the names from every event first, so an earlier run of
that form would have been folded differently). A tracker's events are only ever appended
(rasa/shared/core/trackers.py), and events are not changed once made.
tests/unit/servers/test_applied_events.py compares it with Rasa's on random conversations,
call after call as events are added."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, List, Optional

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

MEMO = "_vm_applied_events"  # the attribute on the tracker


@dataclass
class _Fold:
    events: Any  # the tracker's event deque it was computed on
    seen: int  # how many of its events
    last: Any  # the last of them (None when none)
    loop_names: frozenset[str]
    applied: List[Any]  # the fold's state: applied events so far (never handed out)


def _loop_names(events: Iterable[Any]) -> frozenset[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


def _fold(
    tracker: Any, applied: List[Any], events: Iterable[Any], loop_names: frozenset[str]
) -> List[Any]:
    """Rasa's loop of DialogueStateTracker.applied_events (3.6), from `applied` on."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def _continued(tracker: Any, fold: Optional[_Fold]) -> Optional[List[Any]]:
    """The fold continued over the events appended since (kept on the tracker again once
    done), or None when it cannot be."""
    events = tracker.events
    if fold is None or fold.events is not events or events.maxlen is not None:
        return None
    if fold.seen > len(events) or (fold.seen and events[fold.seen - 1] is not fold.last):
        return None
    new = list(itertools.islice(events, fold.seen, None))
    if not _loop_names(new) <= fold.loop_names:
        return None
    fold.applied = _fold(tracker, fold.applied, new, fold.loop_names)
    fold.seen = len(events)
    fold.last = events[-1] if events else None
    tracker.__dict__[MEMO] = fold
    return fold.applied


def applied_events(tracker: Any) -> List[Any]:
    """What tracker.applied_events() returns, from the state of the last call."""
    # Taken off the tracker while it is folded: a fold that raised leaves nothing half done.
    applied = _continued(tracker, tracker.__dict__.pop(MEMO, None))
    if applied is None:
        events = tracker.events
        names = _loop_names(events)
        applied = _fold(tracker, [], list(events), names)
        last = events[-1] if events else None
        tracker.__dict__[MEMO] = _Fold(events, len(events), last, names, applied)
    return list(applied)  # the caller's own list: callers may change it


def carry_over(tracker: Any, copy: Any) -> None:
    """A copy of the tracker (bot/servers/tracker_copy.py) goes on from the tracker's fold
    when it is up to date, with its own list: its first call folds only what it added."""
    fold = tracker.__dict__.get(MEMO)
    events = tracker.events
    if fold is None or fold.events is not events or fold.seen != len(events):
        return
    copy.__dict__[MEMO] = _Fold(
        copy.events, fold.seen, fold.last, fold.loop_names, list(fold.applied)
    )


def install() -> None:
    if getattr(DialogueStateTracker.applied_events, "_continued", False):
        return

    def method(self: DialogueStateTracker) -> List[Any]:
        return applied_events(self)

    method._continued = True  # type: ignore[attr-defined]
    method.__doc__ = DialogueStateTracker.applied_events.__doc__
    DialogueStateTracker.applied_events = method
