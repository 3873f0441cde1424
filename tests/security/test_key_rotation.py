"""Key rotation covers everything encrypted: following the documented steps (a new key
first, `python -m bot.cli db reencrypt`, then the old key dropped) leaves every case,
handoff (with its reply address), spooled handoff and conversation readable with the new
key alone."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import runtime
from bot.cases.coordinator import case_detail
from bot.cases.lockout import LockoutPolicy
from bot.cases.store import CaseStore
from bot.cases.views import Report
from bot.cli import main
from bot.db import Database
from bot.encryption import EncryptionKeyError
from bot.handoffs.store import (
    HandoffStore,
    HandoffStoreUnavailable,
    TranscriptEntry,
    get_handoff,
)
from bot.tracker_store import EncryptedSQLTrackerStore

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=timezone.utc)
STORY = "the consul keeps the visa fees in his own drawer"
SPOOLED = "my team leader shouts at me every morning"
SAID = "I would like to talk to somebody about my manager"
ADDRESS = "whatsapp:+212612345678"


async def _no_wait(_seconds: float) -> None:
    return None


def _handoff(text: str, **extra: object) -> dict:
    return dict(
        transcript=[TranscriptEntry("user", text, "2026-06-03T11:58:00+00:00")],
        language="fr",
        channel="whatsapp",
        conversation_ref="VM-3F9A-C21B-77D0",
        advisor_id="rab-nadia-benali",
        now=NOW,
        **extra,
    )


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch):
    def use(*keys: str) -> None:
        monkeypatch.setenv("VM_ENCRYPTION_KEYS", ",".join(keys))
        runtime.reset()

    return use


def test_rotating_the_key_rewrites_every_encrypted_thing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys, capsys: pytest.CaptureFixture
):
    state = tmp_path / "var"
    url = f"sqlite:///{state / 'veilig-melden.db'}"
    monkeypatch.setenv("VM_STATE_DIR", str(state))
    monkeypatch.setenv("DATABASE_URL", url)
    conversations = state / "conversations.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n"
        "  type: bot.tracker_store.EncryptedSQLTrackerStore\n"
        "  dialect: sqlite\n"
        f"  db: {conversations}\n"
    )
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)

    # Everything encrypted, written with the old key.
    database = Database(url)
    cases = CaseStore(database, lookup_key=b"lookup key for tests", policy=LockoutPolicy())
    report = Report(kind="fraud", what_happened=STORY, language="en", channel="whatsapp")
    receipt = asyncio.run(cases.submit_report(report, now=NOW))
    handoffs = HandoffStore(database, spool_dir=state / "handoff-spool")
    stored = asyncio.run(handoffs.create(**_handoff(STORY), reply_address=ADDRESS))
    down = Database(f"sqlite:///{tmp_path / 'away'}", migrate=False)
    (tmp_path / "away").mkdir()  # a folder where the file should be: the database is away
    spooling = HandoffStore(down, spool_dir=state / "handoff-spool", attempts=1, sleep=_no_wait)
    with pytest.raises(HandoffStoreUnavailable) as spooled:
        asyncio.run(spooling.create(**_handoff(SPOOLED)))
    assert spooled.value.kept
    tracker_store = EncryptedSQLTrackerStore(
        domain=Domain.empty(), dialect="sqlite", db=str(conversations)
    )
    tracker = DialogueStateTracker("whatsapp-5e1f", slots=[])
    tracker.update(UserUttered(SAID, {"name": "human_handoff", "confidence": 0.9}))
    asyncio.run(tracker_store.save(tracker))
    database.dispose()

    # Step 1: the new key first, the old one kept. Step 2: reencrypt.
    keys(new, old)
    assert main(["db", "reencrypt", "--endpoints", str(endpoints)]) == 0
    out = capsys.readouterr().out
    assert "cases.what_happened: 1 rewritten" in out
    assert "handoff spool: 1 rewritten" in out
    assert "conversations (events.data): 1 rewritten" in out

    # Step 3: the old key dropped. Everything reads back with the new key alone.
    keys(new)
    database = Database(url)
    with database.session() as session:
        assert case_detail(session, receipt.case_id, "Ann", NOW).what_happened == STORY
        handoff = get_handoff(session, stored.id)
    assert handoff is not None
    assert handoff.transcript[0].text == STORY and handoff.reply_address == ADDRESS
    back = EncryptedSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(conversations))
    again = asyncio.run(back.retrieve("whatsapp-5e1f"))
    assert again is not None and again.latest_message.text == SAID
    flushed = asyncio.run(HandoffStore(database, spool_dir=state / "handoff-spool").flush_spool())
    assert flushed == 1
    with database.session() as session:
        kept = get_handoff(session, spooled.value.handoff_id)
    assert kept is not None and kept.transcript[0].text == SPOOLED
    database.dispose()

    # And the old key alone opens nothing any more: every row was rewritten.
    keys(old)
    database = Database(url)
    with pytest.raises(EncryptionKeyError), database.session() as session:
        case_detail(session, receipt.case_id, "Ann", NOW)
    database.dispose()
    with pytest.raises(EncryptionKeyError):
        asyncio.run(back.retrieve("whatsapp-5e1f"))
