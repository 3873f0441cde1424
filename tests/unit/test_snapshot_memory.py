"""The memory of conversations' trackers (bot/tracker_snapshots.py) stays within its budget
of events, forgets what nobody used for its idle time, hands out copies, and keeps a
snapshot only while it stands for the rows it was told of."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.benchmark.store import played, turn_events
from bot.servers import dialogue_states
from bot.servers.applied_events import MEMO
from bot.tracker_snapshots import TrackerSnapshots
from tests.support.clock import Clock

DOMAIN = object()


def _tracker(events: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker("someone", slots=[])
    for number in range(events):
        tracker.update(ActionExecuted(f"utter_{number}"))
    return tracker


def test_within_its_budget_the_least_recently_used_go_first():
    kept = TrackerSnapshots(budget=25)
    for name in ("a", "b", "c"):
        kept.keep(name, _tracker(10), rows=10, last_id=10, domain=DOMAIN)
    assert "a" not in kept and "b" in kept and "c" in kept
    assert kept.tracker("b", 10, 10, DOMAIN) is not None  # b used: c goes next
    kept.keep("d", _tracker(10), rows=10, last_id=10, domain=DOMAIN)
    assert "b" in kept and "c" not in kept and "d" in kept
    kept.keep("huge", _tracker(30), rows=30, last_id=30, domain=DOMAIN)
    assert "huge" not in kept


def test_what_nobody_used_for_the_idle_time_is_forgotten():
    clock = Clock()
    kept = TrackerSnapshots(idle_seconds=60, clock=clock)
    kept.keep("old", _tracker(3), rows=3, last_id=3, domain=DOMAIN)
    clock.now = 61
    kept.keep("new", _tracker(3), rows=3, last_id=3, domain=DOMAIN)
    assert "old" not in kept and "new" in kept


def test_only_for_the_rows_it_stands_for_and_its_domain():
    kept = TrackerSnapshots()
    kept.keep("x", _tracker(3), rows=3, last_id=7, domain=DOMAIN)
    assert kept.tracker("x", 3, 7, object()) is None  # another model's domain
    kept.keep("x", _tracker(3), rows=3, last_id=7, domain=DOMAIN)
    assert kept.tracker("x", 4, 8, DOMAIN) is None  # another server wrote
    assert "x" not in kept


def test_copies_are_handed_out_and_saves_continue_the_snapshot():
    kept = TrackerSnapshots()
    kept.keep("x", _tracker(2), rows=2, last_id=2, domain=DOMAIN)
    mine = kept.tracker("x", 2, 2, DOMAIN)
    mine.update(UserUttered("not saved"))
    new = [UserUttered("saved"), SlotSet("a", 1)]
    kept.extend("x", session_rows=2, events=new, inserted=2, rows=4, last_id=4)
    again = kept.tracker("x", 4, 4, DOMAIN)
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["saved"]
    # It comes with the applied events folded up to its last event, as Rasa folds them.
    assert again.__dict__[MEMO].seen == len(again.events) == 4
    assert again.applied_events() == list(again.events)
    # A save after other rows, or one that starts a session, ends the snapshot.
    kept.extend("x", session_rows=4, events=[UserUttered("y")], inserted=1, rows=6, last_id=9)
    assert "x" not in kept
    kept.keep("x", _tracker(2), rows=2, last_id=2, domain=DOMAIN)
    kept.extend("x", session_rows=3, events=[UserUttered("y")], inserted=1, rows=3, last_id=3)
    assert "x" not in kept
    kept.keep("x", _tracker(2), rows=2, last_id=2, domain=DOMAIN)
    kept.extend("x", session_rows=2, events=[SessionStarted()], inserted=1, rows=3, last_id=3)
    assert "x" not in kept


def test_a_save_continues_the_snapshots_dialogue_states():
    domain = Domain.load("domain.yml")
    tracker = played(DialogueStateTracker("someone", domain.slots), 1, 30)
    rows, applied = len(tracker.events), len(tracker.applied_events())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dialogue_states, "_SEEN", {})
        kept = TrackerSnapshots()
        kept.keep("x", tracker, rows=rows, last_id=rows, domain=domain)
        mine = kept.tracker("x", rows, rows, domain)
        dialogue_states.states_for_history(domain, mine)  # a policy's call, as in a turn
        new = turn_events(31)
        added = rows + len(new)
        kept.extend(
            "x", session_rows=rows, events=new, inserted=len(new), rows=added, last_id=added
        )
        again = kept.tracker("x", added, added, domain)
    # The next turn's copy comes with the states folded over the saved events too.
    (fold,) = again.__dict__[dialogue_states.MEMO].values()
    assert len(fold.applied) == len(again.applied_events()) > applied
    expected = dialogue_states.RASA_STATES(domain, again)
    assert dialogue_states.states_for_history(domain, again) == expected
