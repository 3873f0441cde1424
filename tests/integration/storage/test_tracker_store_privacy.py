"""What a reader of the conversation database learns: no intent or action names, no time
finer than the day, no receipt, no status-check answers, no raw address; and "delete my
data" deletes the conversation's rows."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.encryption import text_cipher
from bot.security.redaction import NOT_STORED, RECEIPT, RECEIPT_SHOWN, SECRET_MARK
from bot.settings import overridden
from bot.tracker_store import EncryptedSQLTrackerStore

SENDER = "whatsapp-7f3a9c"
CODE = "4821 0937 5512 6604"
PASSPHRASE = "lantern orbit pepper meadow quill"
SLOTS = """
version: "3.1"
slots:
  requested_slot: {type: any, mappings: [{type: custom}]}
  status_code: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  status_passphrase: {type: text, influence_conversation: false, mappings: [{type: custom}]}
"""


def _domain() -> Domain:
    return Domain.from_yaml(SLOTS)


def _store(path: Path) -> EncryptedSQLTrackerStore:
    return EncryptedSQLTrackerStore(domain=_domain(), dialect="sqlite", db=str(path))


def _stored(path: Path) -> list[dict]:
    rows = sqlite3.connect(path).execute("select data from events order by id").fetchall()
    return [json.loads(text_cipher().decrypt(data)) for (data,) in rows]


def _report_then_check() -> DialogueStateTracker:
    tracker = DialogueStateTracker(SENDER, slots=_domain().slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(
        UserUttered(
            "send it", {"name": "affirm", "confidence": 0.9}, metadata={"address": "+31612345678"}
        )
    )
    tracker.update(ActionExecuted("action_submit_report"))
    tracker.update(
        BotUttered(
            f"Receipt code: {CODE}\nPassphrase: {PASSPHRASE}",
            metadata={"code": CODE, "passphrase": PASSPHRASE, SECRET_MARK: RECEIPT},
        )
    )
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("check my report", {"name": "check_status", "confidence": 0.9}))
    tracker.update(ActionExecuted("status_form"))
    tracker.update(ActiveLoop("status_form"))
    tracker.update(SlotSet("requested_slot", "status_code"))
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(
        UserUttered(
            CODE,
            {"name": "inform", "confidence": 0.4},
            parse_data={
                "text": CODE,
                "intent": {"name": "inform", "confidence": 0.4},
                "entities": [{"entity": "number", "value": CODE}],
            },
        )
    )
    tracker.update(SlotSet("status_code", CODE))  # what the from_text mapping sets
    tracker.update(SlotSet("status_code", "sealed:gAAAAABtoken"))  # what the form keeps
    tracker.update(SlotSet("requested_slot", "status_passphrase"))
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(PASSPHRASE, {"name": "inform", "confidence": 0.3}))
    tracker.update(SlotSet("status_passphrase", PASSPHRASE))
    tracker.update(ActiveLoop(None))
    tracker.update(SlotSet("requested_slot", None))
    return tracker


def test_no_receipt_no_status_answer_and_no_address_is_stored(tmp_path: Path):
    path = tmp_path / "conversations.db"
    asyncio.run(_store(path).save(_report_then_check()))
    stored = json.dumps(_stored(path))
    digits = CODE.replace(" ", "")
    assert digits not in stored.replace(" ", "") and PASSPHRASE not in stored
    assert "lantern" not in stored and "+31612345678" not in stored and "31612345678" not in stored
    bot = [e for e in _stored(path) if e["event"] == "bot"]
    assert [e["text"] for e in bot] == [RECEIPT_SHOWN]
    users = [e["text"] for e in _stored(path) if e["event"] == "user"]
    assert users == ["send it", "check my report", NOT_STORED, NOT_STORED]
    # The sealed token survives: the passphrase turn needs it.
    tracker = asyncio.run(_store(path).retrieve(SENDER))
    assert tracker.get_slot("status_code") == "sealed:gAAAAABtoken"
    assert tracker.get_slot("status_passphrase") is None


def test_the_plain_columns_hold_no_names_and_only_days(tmp_path: Path):
    path = tmp_path / "conversations.db"
    asyncio.run(_store(path).save(_report_then_check()))
    rows = (
        sqlite3.connect(path)
        .execute("select type_name, timestamp, intent_name, action_name from events")
        .fetchall()
    )
    assert {row[0] for row in rows} == {"event"}
    assert all(row[2] is None and row[3] is None for row in rows)
    assert all(row[1] % 86400 == 0 for row in rows)


def test_sessions_are_found_by_order_not_by_time(tmp_path: Path):
    store = _store(tmp_path / "conversations.db")
    tracker = DialogueStateTracker(SENDER, slots=[])
    tracker.update(SessionStarted())
    tracker.update(UserUttered("first session", {"name": "greet", "confidence": 1.0}))
    tracker.update(SessionStarted())  # the same day: a timestamp query could not tell
    tracker.update(UserUttered("second session", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    latest = asyncio.run(store.retrieve(SENDER))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["second session"]
    full = asyncio.run(store.retrieve_full_tracker(SENDER))
    assert len([e for e in full.events if isinstance(e, UserUttered)]) == 2
    tracker.update(UserUttered("more", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(tracker))  # appends only the new event
    again = asyncio.run(store.retrieve(SENDER))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == [
        "second session",
        "more",
    ]


def test_a_confirmed_deletion_removes_every_row_of_the_sender(tmp_path: Path):
    path = tmp_path / "conversations.db"
    store = _store(path)
    other = DialogueStateTracker("someone-else", slots=[])
    other.update(UserUttered("not mine", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(other))
    tracker = DialogueStateTracker(SENDER, slots=[])
    tracker.update(UserUttered("my story about my manager", {"name": "share", "confidence": 1}))
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve(SENDER))
    tracker.update(UserUttered("yes delete it", {"name": "affirm", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_confirm_delete_data"))
    tracker.update(BotUttered("Deleted."))
    tracker.update(Restarted())
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    rows = (
        sqlite3.connect(path)
        .execute("select sender_id from events where sender_id = ?", (SENDER,))
        .fetchall()
    )
    assert len(rows) == 1  # only the action_listen after the restart
    left = asyncio.run(store.retrieve(SENDER))
    assert [e.as_dict()["event"] for e in left.events] == ["action"]
    assert "manager" not in json.dumps(_stored(path))
    assert asyncio.run(store.retrieve("someone-else")) is not None
    # The next turn appends to what is left, and nothing comes back.
    left.update(UserUttered("hello again", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(left))
    texts = [
        e.text for e in asyncio.run(store.retrieve(SENDER)).events if isinstance(e, UserUttered)
    ]
    assert texts == ["hello again"]


def test_a_deletion_without_restart_deletes_nothing(tmp_path: Path):
    path = tmp_path / "conversations.db"
    store = _store(path)
    tracker = DialogueStateTracker(SENDER, slots=[])
    tracker.update(UserUttered("my story", {"name": "share", "confidence": 1}))
    tracker.update(ActionExecuted("action_confirm_delete_data"))
    asyncio.run(store.save(tracker))
    assert sqlite3.connect(path).execute("select count(*) from events").fetchone() == (2,)


def test_the_database_and_its_folder_are_owner_only(tmp_path: Path):
    state = tmp_path / "var"
    with overridden({"VM_STATE_DIR": str(state)}):
        store = _store(state / "conversations.db")
        tracker = DialogueStateTracker(SENDER, slots=[])
        tracker.update(UserUttered("hello", {"name": "greet", "confidence": 1.0}))
        asyncio.run(store.save(tracker))
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for file in state.iterdir():
        if file.name.startswith("conversations.db"):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name


def test_a_database_found_world_readable_is_tightened(tmp_path: Path):
    state = tmp_path / "var"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)
    db = state / "conversations.db"
    db.touch()
    os.chmod(db, 0o644)
    with overridden({"VM_STATE_DIR": str(state)}):
        _store(db)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_a_folder_outside_the_state_folder_is_not_changed(tmp_path: Path):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)
    with overridden({"VM_STATE_DIR": str(tmp_path / "var")}):
        _store(folder / "conversations.db")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "conversations.db").stat().st_mode) == 0o600


def test_the_sealed_code_leaves_the_history_when_the_check_ends(tmp_path: Path):
    path = tmp_path / "conversations.db"
    store = _store(path)
    tracker = _report_then_check()
    asyncio.run(store.save(tracker))
    assert "sealed:" in json.dumps(_stored(path))  # kept while the check runs
    tracker = asyncio.run(store.retrieve(SENDER))
    tracker.update(ActionExecuted("action_check_status"))
    tracker.update(SlotSet("status_code", None))
    asyncio.run(store.save(tracker))
    assert "sealed:" not in json.dumps(_stored(path))
    again = asyncio.run(store.retrieve(SENDER))
    assert again.get_slot("status_code") is None
    assert len(again.events) == len(tracker.events)
