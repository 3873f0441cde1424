"""The reply address a handoff keeps (encrypted, the one place it is kept), handoff ids that
must be UUIDs before they name a row or a spool file, and the spool's key rotation."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot import db, encryption
from bot.handoffs.spool import handoff_id_or_none
from bot.handoffs.store import (
    HandoffStore,
    HandoffStoreUnavailable,
    TranscriptEntry,
    get_handoff,
)

NUMBER = "+212612345678"
AN_ID = "0b5e7a52-3c1d-4f7e-9a0b-6c2d8e4f1a37"  # fixed: parameters must match across workers
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=timezone.utc)


def request(**changes: object) -> dict:
    values: dict = {
        "transcript": [TranscriptEntry("user", "bonjour")],
        "language": "fr",
        "channel": "twilio",
        "conversation_ref": "VM-3F9A-C21B-77D0",
        "pool_language": "fr",
        "now": NOW,
    }
    values.update(changes)
    return values


@pytest.fixture
def database(tmp_path: Path) -> Iterator[db.Database]:
    database = db.Database(f"sqlite:///{tmp_path}/t.db")
    yield database
    database.dispose()


async def _no_wait(_seconds: float) -> None:
    return None


def down_store(tmp_path: Path, spool: Path) -> HandoffStore:
    """A store whose database file cannot be opened: handoffs go to the spool."""
    path = tmp_path / "down" / "t.db"
    path.mkdir(parents=True, exist_ok=True)
    return HandoffStore(
        db.Database(f"sqlite:///{path}"), spool_dir=spool, attempts=1, sleep=_no_wait
    )


def test_the_reply_address_is_kept_encrypted_and_found_by_conversation(
    database: db.Database, tmp_path: Path
) -> None:
    store = HandoffStore(database, spool_dir=tmp_path / "spool")
    created = asyncio.run(store.create(**request(reply_address=f"whatsapp:{NUMBER}")))
    with sqlite3.connect(tmp_path / "t.db") as raw:
        row = raw.execute("SELECT * FROM handoffs").fetchone()
    assert "612345678" not in " ".join(str(value) for value in row)
    assert created.reply_address == f"whatsapp:{NUMBER}"
    found = asyncio.run(store.reply_address_for("VM-3F9A-C21B-77D0"))
    assert found == f"whatsapp:{NUMBER}"
    assert asyncio.run(store.reply_address_for("VM-0000-0000-0000")) is None


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/x",
        "/etc/passwd",
        "../" + AN_ID,
        AN_ID.upper(),
        "{" + AN_ID + "}",
        AN_ID + "/../../x",
        "",
        "x" * 36,
        42,
    ],
)
def test_a_handoff_id_that_is_not_a_uuid_is_refused(
    bad: object, database: db.Database, tmp_path: Path
) -> None:
    assert handoff_id_or_none(bad) is None
    spool = tmp_path / "a" / "b" / "spool"  # deep enough that '../../x' stays in tmp_path
    with pytest.raises(ValueError):
        asyncio.run(HandoffStore(database, spool_dir=spool).create(**request(handoff_id=bad)))
    # Not even the spool: the database being down changes nothing.
    with pytest.raises(ValueError):
        asyncio.run(down_store(tmp_path, spool).create(**request(handoff_id=bad)))
    assert not spool.exists() or list(spool.iterdir()) == []
    assert list(tmp_path.rglob("*.json")) == []  # nothing written anywhere else either
    with database.session() as session:
        assert session.execute(sa.text("SELECT count(*) FROM handoffs")).scalar() == 0


def test_files_in_the_spool_that_are_not_handoffs_are_left_alone(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "..json").write_text("x")
    (spool / "notes.json").write_text("x")
    store = down_store(tmp_path, spool)
    assert store.pending() == []
    assert store.reencrypt_spool() == 0


def test_the_spool_is_reencrypted_with_the_newest_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", old)
    encryption.text_cipher.cache_clear()
    spool = tmp_path / "spool"
    with pytest.raises(HandoffStoreUnavailable) as kept:
        asyncio.run(down_store(tmp_path, spool).create(**request(reply_address="sms:" + NUMBER)))
    assert kept.value.kept
    before = (spool / f"{kept.value.handoff_id}.json").read_text()

    monkeypatch.setenv("VM_ENCRYPTION_KEYS", f"{new},{old}")  # the documented rotation
    encryption.text_cipher.cache_clear()
    assert down_store(tmp_path, spool).reencrypt_spool() == 1
    after = (spool / f"{kept.value.handoff_id}.json").read_text()
    assert after != before and NUMBER not in after

    monkeypatch.setenv("VM_ENCRYPTION_KEYS", new)  # the old key dropped
    encryption.text_cipher.cache_clear()
    try:
        database = db.Database(f"sqlite:///{tmp_path}/back.db")
        assert asyncio.run(HandoffStore(database, spool_dir=spool).flush_spool()) == 1
        with database.session() as session:
            stored = get_handoff(session, kept.value.handoff_id)
        assert stored is not None and stored.reply_address == "sms:" + NUMBER
        database.dispose()
    finally:
        encryption.text_cipher.cache_clear()
