"""The conversation store keeps what people wrote encrypted, and gives it back intact."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import EncryptedSQLTrackerStore

SECRET = "my manager took 4000 euros from the visa fees"


def _store(path: Path) -> EncryptedSQLTrackerStore:
    return EncryptedSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(path))


def _conversation() -> DialogueStateTracker:
    tracker = DialogueStateTracker("whatsapp:+31612345678", slots=[])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(SECRET, {"name": "share_experience", "confidence": 0.9}))
    tracker.update(BotUttered("I'm sorry that happened."))
    return tracker


def test_what_people_wrote_is_not_readable_in_the_database_file(tmp_path: Path):
    path = tmp_path / "conversations.db"
    asyncio.run(_store(path).save(_conversation()))
    raw = path.read_bytes()
    assert SECRET.encode() not in raw and b"visa fees" not in raw
    rows = sqlite3.connect(path).execute("select data from events").fetchall()
    assert all(not data.startswith("{") for (data,) in rows)


def test_a_conversation_comes_back_as_it_was_written(tmp_path: Path):
    store = _store(tmp_path / "conversations.db")
    asyncio.run(store.save(_conversation()))
    tracker = asyncio.run(store.retrieve("whatsapp:+31612345678"))
    assert tracker is not None
    assert tracker.latest_message.text == SECRET
    assert [e.text for e in tracker.events if isinstance(e, BotUttered)] == [
        "I'm sorry that happened."
    ]
    assert list(asyncio.run(store.keys())) == ["whatsapp:+31612345678"]


def test_more_turns_are_appended_not_rewritten(tmp_path: Path):
    path = tmp_path / "conversations.db"
    store = _store(path)
    tracker = _conversation()
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("thanks", {"name": "thank", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    assert sqlite3.connect(path).execute("select count(*) from events").fetchone() == (4,)
    again = asyncio.run(store.retrieve(tracker.sender_id))
    assert again.latest_message.text == "thanks"


def test_conversations_stored_before_encryption_are_still_read(tmp_path: Path):
    path = tmp_path / "conversations.db"
    store = _store(path)
    event = UserUttered("hello", {"name": "greet", "confidence": 1.0}).as_dict()
    with sqlite3.connect(path) as db:
        db.execute(
            "insert into events (sender_id, type_name, timestamp, intent_name, data)"
            " values (?, ?, ?, ?, ?)",
            ("old", "user", event["timestamp"], "greet", json.dumps(event)),
        )
    assert asyncio.run(store.retrieve("old")).latest_message.text == "hello"
