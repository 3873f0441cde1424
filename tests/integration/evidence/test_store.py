"""Files a user sends are held for their conversation until they choose what the file is
for, then go with a report or to an advisor; a database reader learns neither their
content nor whose conversation holds them, and rotating the keys keeps them readable."""

from __future__ import annotations

import asyncio
import hashlib
import io
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from PIL import Image

from bot import runtime
from bot.cases.store import CaseStore
from bot.cases.views import Report
from bot.cli import main
from bot.db import Database
from bot.encryption import BytesCipher, EncryptionKeyError
from bot.evidence import store
from bot.evidence.desk import EvidenceDesk
from bot.evidence.limits import MB, EvidenceLimits
from bot.evidence.refusals import Refusal, RefusedFile
from bot.retention.policy import RetentionPolicy
from bot.retention.run import run_retention
from bot.timestamps import utc
from tests.support import evidence as files

SENDER = "whatsapp:" + "3f" * 16
OTHER = "telegram:" + "a1" * 16


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'evidence.db'}")
    yield database
    database.dispose()


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


HOLDER_KEY = b"evidence holder key for tests"


def _desk(database: Database, *keys: bytes, case_mb: int = 50) -> EvidenceDesk:
    limits = EvidenceLimits(16 * MB, case_mb * MB)
    return EvidenceDesk(database, HOLDER_KEY, BytesCipher(list(keys)), limits)


def _case(database: Database) -> int:
    report = Report(kind="fraud", what_happened="Invoices", language="en", channel="whatsapp",
                    contact="anonymous", contact_details=None)  # fmt: skip
    stored = asyncio.run(CaseStore(database, lookup_key=b"k" * 32).submit_report(report))
    return int(stored.case_id)


def test_a_photo_is_held_without_its_location_and_reads_back(database: Database, key: bytes):
    desk = _desk(database, key)
    photo = files.jpeg(files.gps_and_camera_exif())
    held = asyncio.run(desk.take(SENDER, photo))
    assert held.kind == "image" and held.scrubbed and "location" in held.removed
    with database.session() as session:
        found = store.content(session, held.id, BytesCipher([key]))
    assert found is not None
    evidence, data = found
    assert evidence.received_sha256 == hashlib.sha256(photo).hexdigest()
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # no GPS block
    assert [file.id for file in asyncio.run(desk.held(SENDER))] == [held.id]
    assert asyncio.run(desk.held(OTHER)) == []


def test_a_database_reader_sees_neither_the_content_nor_the_sender(
    database: Database, key: bytes, tmp_path: Path
):
    text = b"Hij schreef: je contract wordt niet verlengd.\n" * 50
    asyncio.run(_desk(database, key).take(SENDER, text))
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("evidence.db*"))  # WAL too
    assert b"Hij schreef" in text and b"Hij schreef" not in raw
    assert SENDER.encode() not in raw and SENDER.split(":")[1].encode() not in raw
    with sqlite3.connect(tmp_path / "evidence.db") as db:
        (holder,) = db.execute("select conversation_key from evidence_files").fetchone()
    assert holder == _desk(database, key).conversation_key(SENDER) and SENDER not in holder


def test_a_report_takes_the_held_files_and_keeps_only_their_day(database: Database, key: bytes):
    desk = _desk(database, key)
    first = asyncio.run(desk.take(SENDER, files.ogg_opus()))
    asyncio.run(desk.take(OTHER, files.wav()))
    case_id = _case(database)
    assert asyncio.run(desk.give_to_case(SENDER, case_id)) == 1
    with database.session() as session:
        (kept,) = store.of_case(session, case_id)
    assert (kept.id, kept.kind) == (first.id, "audio")
    assert (kept.received_at.hour, kept.received_at.minute, kept.received_at.second) == (0, 0, 0)
    assert asyncio.run(desk.held(SENDER)) == []
    assert len(asyncio.run(desk.held(OTHER))) == 1, "another conversation's file stays its own"


def test_refused_files_are_not_stored(database: Database, key: bytes):
    desk = _desk(database, key, case_mb=1)
    for data, reason in (
        (files.zip_of({"a.txt": "x"}), Refusal.ARCHIVE),
        (files.windows_program(), Refusal.EXECUTABLE),
        (b"", Refusal.EMPTY),
    ):
        with pytest.raises(RefusedFile) as refused:
            asyncio.run(desk.take(SENDER, data))
        assert refused.value.reason is reason
    big = b"a" * (600 * 1024) + b"\n"
    asyncio.run(desk.take(SENDER, big))
    with pytest.raises(RefusedFile) as refused:
        asyncio.run(desk.take(SENDER, big))  # the conversation's files would pass 1 MB
    assert refused.value.reason is Refusal.CASE_FULL
    assert len(asyncio.run(desk.held(SENDER))) == 1


def test_discarding_and_the_hold_time_delete_files_and_chunks(
    database: Database, key: bytes, tmp_path: Path
):
    desk = _desk(database, key)
    one = asyncio.run(desk.take(SENDER, files.wav()))
    asyncio.run(desk.take(SENDER, files.ogg_opus()))
    asyncio.run(desk.take(OTHER, files.ogg_opus()))
    assert asyncio.run(desk.discard(SENDER, [one.id])) == 1
    assert asyncio.run(desk.discard(OTHER, [one.id])) == 0
    with database.session() as session:
        assert store.purge_held(session, utc() - timedelta(hours=1)) == 0
        assert store.purge_held(session, utc() + timedelta(seconds=1)) == 2
    with sqlite3.connect(tmp_path / "evidence.db") as db:
        counts = [db.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("evidence_files", "evidence_chunks")]  # fmt: skip
    assert counts == [0, 0]


def test_db_reencrypt_rotates_attachments_so_the_old_key_can_go(
    database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    monkeypatch.setenv("DATABASE_URL", database.url)
    photo = files.jpeg()
    held = asyncio.run(_desk(database, old).take(SENDER, photo))
    with database.session() as session:
        before = store.content(session, held.id, BytesCipher([old]))
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", f"{new.decode()},{old.decode()}")
    runtime.reset()
    assert main(["db", "reencrypt", "--endpoints", "no-endpoints.yml"]) == 0
    assert "evidence files (chunks): 1 rewritten" in capsys.readouterr().out
    with database.session() as session:
        after = store.content(session, held.id, BytesCipher([new]))  # the old key removed
        assert before is not None and after is not None and after[1] == before[1]
        with pytest.raises(EncryptionKeyError):
            store.content(session, held.id, BytesCipher([old]))


def test_a_large_file_is_stored_in_chunks(database: Database, key: bytes, tmp_path: Path):
    text = ("Regel van het gesprek.\n" * 200_000).encode()  # about 4.6 MB, stored as 8 MB
    held = asyncio.run(_desk(database, key).take(SENDER, text))
    with sqlite3.connect(tmp_path / "evidence.db") as db:
        (count,) = db.execute("select count(*) from evidence_chunks").fetchone()
    assert count == 8
    with database.session() as session:
        found = store.content(session, held.id, BytesCipher([key]))
    assert found is not None and found[1] == text


def test_the_daily_retention_run_deletes_files_no_use_was_chosen_for(
    database: Database, key: bytes, tmp_path: Path
):
    desk = _desk(database, key)
    asyncio.run(desk.take(SENDER, files.wav()))
    kept = asyncio.run(desk.take(OTHER, files.wav()))
    case_id = _case(database)
    asyncio.run(desk.give_to_case(OTHER, case_id))
    policy = RetentionPolicy(evidence_hold_hours=2)
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    soon = run_retention(database, utc() + timedelta(hours=1), policy, tracker_store_url=tracker)
    assert soon.counts["files not used"] == 0
    later = run_retention(database, utc() + timedelta(hours=3), policy, tracker_store_url=tracker)
    assert later.counts["files not used"] == 1
    assert asyncio.run(desk.held(SENDER)) == []
    with database.session() as session:
        assert [file.id for file in store.of_case(session, case_id)] == [kept.id]
