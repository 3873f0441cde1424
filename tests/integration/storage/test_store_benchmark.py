"""The conversation store's benchmark (bin/benchmark --store) runs on SQLite and reports
what it measured. No timed assertion: the figures depend on the machine."""

from __future__ import annotations

from pathlib import Path

from rasa.shared.core.trackers import DialogueStateTracker

from bot.benchmark.store import domain, measure, report, turn_events
from bot.tracker_store import EncryptedSQLTrackerStore


def test_a_turn_is_shaped_like_a_report_conversations_turn():
    tracker = DialogueStateTracker("bench", domain().slots)
    for number in (1, 2):
        for event in turn_events(number):
            tracker.update(event)
    assert tracker.active_loop_name == "report_form"
    assert tracker.get_slot("requested_slot") == "report_involved"
    assert len(turn_events(2)) == 10


def test_the_store_benchmark_measures_both_turns(tmp_path: Path):
    store = EncryptedSQLTrackerStore(
        domain=domain(), dialect="sqlite", db=str(tmp_path / "conversations.db")
    )
    cost = measure("SQLite", store, conversations=2, late_turn=4)
    assert cost.events_late > cost.events_early > 0
    assert min(cost.load_early, cost.load_late, cost.save_early, cost.save_late) > 0
    table = report([cost])
    assert "| SQLite |" in table and "turn 4 loads" in table
