"""A turn starts from the conversation's snapshot (bot/tracker_snapshots.py) only when it is
what loading the stored rows gives: after every turn of a report and a status check the
tracker handed out equals a full load, secrets redacted as stored; another server's save, a
new session, a deletion and another domain each mean a full load."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot import tracker_store
from bot.tracker_snapshots import TrackerSnapshots
from bot.tracker_store import EncryptedSQLTrackerStore, events_from_dicts, snapshots

SENDER = "whatsapp-51c0de"
PASSPHRASE = "lantern orbit pepper meadow quill"
SLOTS = """
version: "3.1"
slots:
  requested_slot: {type: any, mappings: [{type: custom}]}
  report_what_happened: {type: text, mappings: [{type: custom}]}
  status_code: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  status_passphrase: {type: text, influence_conversation: false, mappings: [{type: custom}]}
"""
DOMAIN = Domain.from_yaml(SLOTS)

# A report, then a status check whose answers are secret: turn by turn.
TURNS: list[list[Event]] = [
    [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("I want to report", {"name": "report", "confidence": 0.9}),
        ActionExecuted("report_form"),
        ActiveLoop("report_form"),
        SlotSet("requested_slot", "report_what_happened"),
        BotUttered("What happened?"),
        ActionExecuted("action_listen"),
    ],
    [
        UserUttered("my boss yells", {"name": "share_experience", "confidence": 0.8}),
        SlotSet("report_what_happened", "my boss yells"),
        ActionExecuted("report_form"),
        SlotSet("report_what_happened", "my boss yells"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionExecuted("action_submit_report"),
        BotUttered("Stored."),
        ActionExecuted("action_listen"),
    ],
    [
        UserUttered("check my report", {"name": "check_status", "confidence": 0.9}),
        ActionExecuted("status_form"),
        ActiveLoop("status_form"),
        SlotSet("requested_slot", "status_passphrase"),
        BotUttered("Your passphrase?"),
        ActionExecuted("action_listen"),
    ],
    [
        UserUttered(PASSPHRASE, {"name": "inform", "confidence": 0.3}),
        SlotSet("status_passphrase", PASSPHRASE),
        ActionExecuted("status_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        BotUttered("No news yet."),
        ActionExecuted("action_listen"),
    ],
    [
        UserUttered("thanks", {"name": "thank", "confidence": 0.95}),
        ActionExecuted("utter_thank"),
        BotUttered("You're welcome."),
        ActionExecuted("action_listen"),
    ],
]


@pytest.fixture(autouse=True)
def _empty_memories():
    tracker_store.forget_decrypted()
    yield
    tracker_store.forget_decrypted()


def _store(path: Path, domain: Domain = DOMAIN) -> EncryptedSQLTrackerStore:
    return EncryptedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))


def _saved_then_loaded(
    store: EncryptedSQLTrackerStore,
    events: list[Event],
    tracker: DialogueStateTracker | None = None,
) -> DialogueStateTracker:
    """`events` added to the conversation (a new one without `tracker`), saved, and the
    conversation loaded again for its next turn."""
    tracker = tracker or DialogueStateTracker(SENDER, store.domain.slots)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return asyncio.run(store.retrieve(SENDER))


def _full_load(store: EncryptedSQLTrackerStore) -> DialogueStateTracker:
    """What loading every stored row gives, whatever the snapshots hold."""
    reader = EncryptedSQLTrackerStore(
        domain=store.domain, dialect="sqlite", db=store.engine.url.database
    )
    events = events_from_dicts(reader._load_events(SENDER, False))
    return DialogueStateTracker.from_events(SENDER, events, store.domain.slots)


def _state(tracker: DialogueStateTracker) -> dict[str, Any]:
    return tracker.current_state(EventVerbosity.ALL)


def _counting_loads(store: EncryptedSQLTrackerStore, monkeypatch) -> list[str]:
    loads: list[str] = []
    original = store._load_rows

    def counting(sender_id: str, all_sessions: bool):
        loads.append(sender_id)
        return original(sender_id, all_sessions)

    monkeypatch.setattr(store, "_load_rows", counting)
    return loads


def test_every_turn_starts_from_what_was_stored(tmp_path: Path, monkeypatch):
    store = _store(tmp_path / "conversations.db")
    loads = _counting_loads(store, monkeypatch)
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    for number, events in enumerate(TURNS):
        for event in events:
            tracker.update(event)
        asyncio.run(store.save(tracker))
        tracker = asyncio.run(store.retrieve(SENDER))
        assert _state(tracker) == _state(_full_load(store)), f"after turn {number + 1}"
    # The first load read the rows; every later one started from the snapshot.
    assert loads == [SENDER]
    # The passphrase the live tracker held is not in the next turn's, as it is not stored.
    assert PASSPHRASE not in str(_state(tracker))
    assert tracker.get_slot("status_passphrase") is None
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)][-2] != PASSPHRASE


def test_a_tracker_handed_out_is_the_callers_own(tmp_path: Path):
    store = _store(tmp_path / "conversations.db")
    first = _saved_then_loaded(store, TURNS[0])
    first.update(SlotSet("report_what_happened", "changed, never saved"))
    second = asyncio.run(store.retrieve(SENDER))
    assert second.get_slot("report_what_happened") is None
    assert len(second.events) == len(TURNS[0]) - 1  # the session starts at SessionStarted


def test_another_servers_save_is_read_from_the_database(tmp_path: Path, monkeypatch):
    path = tmp_path / "conversations.db"
    store = _store(path)
    loads = _counting_loads(store, monkeypatch)
    tracker = _saved_then_loaded(store, TURNS[0])
    # Another server, with a memory of its own, saves the next turn.
    for event in TURNS[1]:
        tracker.update(event)
    with monkeypatch.context() as other_server:
        other_server.setattr(tracker_store, "_snapshots_with", lambda cipher: TrackerSnapshots())
        asyncio.run(_store(path).save(tracker))
    loaded = asyncio.run(store.retrieve(SENDER))
    assert loaded.get_slot("report_what_happened") == "my boss yells"
    assert _state(loaded) == _state(_full_load(store))
    assert loads == [SENDER, SENDER]


def test_a_new_session_loads_only_the_new_session(tmp_path: Path):
    store = _store(tmp_path / "conversations.db")
    tracker = _saved_then_loaded(store, TURNS[0] + TURNS[1])
    started = [ActionExecuted("action_session_start"), SessionStarted()]
    loaded = _saved_then_loaded(store, started, tracker)
    assert [type(e) for e in loaded.events] == [SessionStarted]
    assert _state(loaded) == _state(_full_load(store))


def test_a_deleted_conversation_is_forgotten(tmp_path: Path):
    store = _store(tmp_path / "conversations.db")
    tracker = _saved_then_loaded(store, TURNS[0] + TURNS[1])
    assert SENDER in snapshots()
    confirmed = [
        UserUttered("yes delete it", {"name": "affirm", "confidence": 1.0}),
        ActionExecuted("action_confirm_delete_data"),
        Restarted(),
        ActionExecuted("action_listen"),
    ]
    for event in confirmed:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert SENDER not in snapshots()
    loaded = asyncio.run(store.retrieve(SENDER))
    assert [e.as_dict()["event"] for e in loaded.events] == ["action"]


def test_another_domain_does_not_use_the_snapshot(tmp_path: Path, monkeypatch):
    path = tmp_path / "conversations.db"
    _saved_then_loaded(_store(path), TURNS[0])
    other = _store(path, Domain.from_yaml(SLOTS))  # a new model's domain
    loads = _counting_loads(other, monkeypatch)
    assert asyncio.run(other.retrieve(SENDER)) is not None
    assert loads == [SENDER]
