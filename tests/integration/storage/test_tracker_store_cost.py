"""Loading a turn does not decrypt the whole conversation again: rows this process wrote or
read before are taken from its memory (keyed by their ciphertext), a row that changed is
read anew, and new keys start with an empty memory. The events come back as Rasa's own
deserialisation builds them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import runtime
from bot.benchmark.store import domain as report_domain
from bot.benchmark.store import turn_events
from bot.encryption import EncryptionKeyError, TextCipher, text_cipher
from bot.security.redaction import redact_events
from bot.tracker_store import (
    EncryptedSQLTrackerStore,
    decrypted_events,
    events_from_dicts,
    forget_decrypted,
)

SENDER = "rest-5c1e2a"


@pytest.fixture
def decrypted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ciphertext the cipher decrypts, in order."""
    calls: list[str] = []
    original = TextCipher.decrypt

    def counting(self: TextCipher, token: str) -> str:
        calls.append(token)
        return original(self, token)

    monkeypatch.setattr(TextCipher, "decrypt", counting)
    return calls


def _store(path: Path) -> EncryptedSQLTrackerStore:
    return EncryptedSQLTrackerStore(domain=report_domain(), dialect="sqlite", db=str(path))


def _turn(store: EncryptedSQLTrackerStore, number: int) -> DialogueStateTracker:
    tracker = asyncio.run(store.retrieve(SENDER))
    tracker = tracker or DialogueStateTracker(SENDER, report_domain().slots)
    for event in turn_events(number):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return tracker


def _rows(path: Path) -> list[tuple[int, str]]:
    return sqlite3.connect(path).execute("select id, data from events order by id").fetchall()


def test_rows_written_or_read_before_are_not_decrypted_again(tmp_path: Path, decrypted):
    path = tmp_path / "conversations.db"
    store = _store(path)
    for number in (1, 2, 3):
        _turn(store, number)
    assert decrypted == []  # each turn read what this process wrote
    forget_decrypted()  # as a server that never saw the conversation
    tracker = asyncio.run(store.retrieve(SENDER))
    assert len(decrypted) == len(tracker.events)  # the latest session's rows
    decrypted.clear()
    again = asyncio.run(store.retrieve(SENDER))
    assert decrypted == []
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]


def test_a_row_rewritten_elsewhere_is_read_anew(tmp_path: Path, decrypted):
    path = tmp_path / "conversations.db"
    store = _store(path)
    _turn(store, 1)
    row_id, stored = next(
        (row_id, data)
        for row_id, data in _rows(path)
        if json.loads(text_cipher().decrypt(data)).get("name") == "language"
    )
    # Another server rewrites the row (as the scrub of a cleared token does).
    event = json.loads(text_cipher().decrypt(stored))
    event["value"] = "fr"
    with sqlite3.connect(path) as db:
        db.execute(
            "update events set data = ? where id = ?",
            (text_cipher().encrypt(json.dumps(event)), row_id),
        )
    decrypted.clear()
    tracker = asyncio.run(store.retrieve(SENDER))
    assert tracker.get_slot("language") == "fr"
    assert len(decrypted) == 1  # only the rewritten row


def test_the_scrubbed_token_is_gone_from_memory_too(tmp_path: Path):
    store = EncryptedSQLTrackerStore(
        domain=Domain.from_yaml(
            'version: "3.1"\nslots:\n  status_code: {type: text, mappings: [{type: custom}]}\n'
        ),
        dialect="sqlite",
        db=str(tmp_path / "conversations.db"),
    )
    tracker = DialogueStateTracker(SENDER, slots=store.domain.slots)
    tracker.update(ActiveLoop("status_form"))
    tracker.update(SlotSet("status_code", "sealed:gAAAAABtoken"))
    asyncio.run(store.save(tracker))
    path = tmp_path / "conversations.db"
    token_rows = [data for _, data in _rows(path) if "sealed:" in text_cipher().decrypt(data)]
    assert len(token_rows) == 1 and token_rows[0] in decrypted_events()
    tracker.update(SlotSet("status_code", None))
    tracker.update(ActiveLoop(None))
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve(SENDER))
    values = [e.value for e in loaded.events if isinstance(e, SlotSet)]
    assert values == [None, None]
    assert "sealed:" not in json.dumps([e.as_dict() for e in loaded.events])
    assert token_rows[0] not in decrypted_events()


def test_new_keys_do_not_read_what_the_old_ones_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runtime.reset()
    store = _store(tmp_path / "conversations.db")
    _turn(store, 1)
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runtime.reset()
    with pytest.raises(EncryptionKeyError):
        asyncio.run(store.retrieve(SENDER))


def test_events_are_rebuilt_as_rasa_rebuilds_them():
    tracker = DialogueStateTracker(SENDER, report_domain().slots)
    tracker.update(SessionStarted())
    for number in (1, 2):
        for event in turn_events(number):
            tracker.update(event)
    tracker.update(UserUttered("hello", {"name": "greet", "confidence": 1.0}))
    tracker.update(BotUttered("hi", {"buttons": []}, {"utter_action": "utter_greet"}))
    tracker.update(ActionExecuted("action_listen"))
    dumped = [e.as_dict() for e in tracker.events]
    dumped += [{"no": "event"}]  # skipped by both
    ours, rasa = events_from_dicts(dumped), deserialise_events(dumped)
    assert ours == rasa
    assert [type(e) for e in ours] == [type(e) for e in rasa]
    assert [e.as_dict() for e in ours] == [e.as_dict() for e in rasa]
    with pytest.raises(ValueError):  # an unknown type, as Rasa's own reading
        events_from_dicts([{"event": "no_such_event"}])


def test_saving_turn_by_turn_stores_what_redacting_the_whole_conversation_gives(
    tmp_path: Path,
):
    """Each save redacts only its new events (following the stored ones): the rows are
    exactly the whole conversation redacted at once, as every save used to do."""
    code, passphrase = "4821 0937 5512 6604", "lantern orbit pepper meadow quill"
    slots = """
version: "3.1"
slots:
  requested_slot: {type: any, mappings: [{type: custom}]}
  status_code: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  status_passphrase: {type: text, influence_conversation: false, mappings: [{type: custom}]}
"""
    domain = Domain.from_yaml(slots)
    path = tmp_path / "conversations.db"
    store = EncryptedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    conversation = [
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet"}, metadata={"address": "+31612345678"}),
        BotUttered(f"Receipt {code}", metadata={"vm_secret": "receipt", "code": code}),
        ActionExecuted("action_listen"),
        UserUttered("check my report", {"name": "check_status"}),
        ActiveLoop("status_form"),
        SlotSet("requested_slot", "status_code"),
        ActionExecuted("action_listen"),
        UserUttered(code, {"name": "inform"}, parse_data={"text": code, "entities": []}),
        SlotSet("status_code", code),
        SlotSet("status_code", "sealed:gAAAAABtoken"),
        SlotSet("requested_slot", "status_passphrase"),
        ActionExecuted("action_listen"),
        UserUttered(passphrase, {"name": "inform"}),
        SlotSet("status_passphrase", passphrase),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionExecuted("action_listen"),
        UserUttered("thanks", {"name": "thank"}),
    ]
    # Saved in turns of different sizes, the tracker loaded again before each, as a server.
    for start, end in ((0, 3), (3, 9), (9, 10), (10, 15), (15, 20)):
        tracker = asyncio.run(store.retrieve(SENDER)) or DialogueStateTracker(SENDER, domain.slots)
        for event in conversation[start:end]:
            tracker.update(event)
        asyncio.run(store.save(tracker))
    rows = [json.loads(text_cipher().decrypt(data)) for _, data in _rows(path)]
    assert rows == redact_events([event.as_dict() for event in conversation])
    assert code not in json.dumps(rows) and "lantern" not in json.dumps(rows)
