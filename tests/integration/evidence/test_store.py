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
    voice = files.ogg_opus()
    first = asyncio.run(desk.take(SENDER, voice))
    asyncio.run(desk.take(OTHER, files.wav()))
    case_id = _case(database)
    assert asyncio.run(desk.give_to_case(SENDER, case_id, anonymous=True)).moved == 1
    with database.session() as session:
        (kept,) = store.of_case(session, case_id)
        found = store.content(session, kept.id, BytesCipher([key]))
    assert kept.kind == "audio" and kept.received_sha256 == first.received_sha256
    assert found is not None and found[1] == voice
    assert (kept.received_at.hour, kept.received_at.minute, kept.received_at.second) == (0, 0, 0)
    assert asyncio.run(desk.held(SENDER)) == []
    assert len(asyncio.run(desk.held(OTHER))) == 1, "another conversation's file stays its own"


def test_a_file_that_goes_with_a_case_shares_neither_id_nor_tokens_with_the_held_one(
    database: Database, key: bytes, tmp_path: Path
):
    """A backup taken while the file was held and one taken after must not join the
    conversation's key to the case by the file's id or its encrypted chunks."""
    desk = _desk(database, key)
    held = asyncio.run(desk.take(SENDER, files.jpeg(files.gps_and_camera_exif())))
    with sqlite3.connect(tmp_path / "evidence.db") as db:
        before = {bytes(token) for (token,) in db.execute("select token from evidence_chunks")}
    asyncio.run(desk.give_to_case(SENDER, _case(database), anonymous=True))
    with sqlite3.connect(tmp_path / "evidence.db") as db:
        (case_file,) = [row[0] for row in db.execute("select id from case_files")]
        after = {bytes(token) for (token,) in db.execute("select token from evidence_chunks")}
        chunk_files = {row[0] for row in db.execute("select file_id from evidence_chunks")}
    assert case_file != held.id and chunk_files == {case_file}
    assert after and not before & after


def _location(data: bytes) -> dict[int, object]:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825))


def _case_photo(database: Database, key: bytes, case_id: int) -> tuple[store.Evidence, bytes]:
    with database.session() as session:
        (kept,) = store.of_case(session, case_id)
        found = store.content(session, kept.id, BytesCipher([key]))
    assert found is not None
    return found


def test_an_original_kept_by_choice_goes_as_sent_with_a_named_report(
    database: Database, key: bytes
):
    desk = _desk(database, key)
    photo = files.jpeg(files.gps_and_camera_exif())
    held = asyncio.run(desk.take(SENDER, photo, keep_original=True))
    assert not held.scrubbed and held.removed == ()
    case_id = _case(database)
    given = asyncio.run(desk.give_to_case(SENDER, case_id, anonymous=False))
    assert (given.moved, given.cleaned) == (1, 0)
    kept, data = _case_photo(database, key, case_id)
    assert data == photo and _location(data), "the location the reporter chose to keep"


def test_an_anonymous_report_takes_an_original_only_without_its_location(
    database: Database, key: bytes
):
    desk = _desk(database, key)
    photo = files.jpeg(files.gps_and_camera_exif())
    asyncio.run(desk.take(SENDER, photo, keep_original=True))
    asyncio.run(desk.take(SENDER, files.ogg_opus(), keep_original=True))  # nothing to take out
    assert _location(photo)
    case_id = _case(database)
    given = asyncio.run(desk.give_to_case(SENDER, case_id, anonymous=True))
    assert (given.moved, given.cleaned) == (2, 1)
    with database.session() as session:
        photo_file = next(f for f in store.of_case(session, case_id) if f.kind == "image")
        found = store.content(session, photo_file.id, BytesCipher([key]))
    assert found is not None
    kept, data = found
    assert not _location(data) and kept.scrubbed and "location" in kept.removed
    assert kept.received_sha256 == hashlib.sha256(photo).hexdigest(), "what was received"
    assert kept.stored_sha256 == hashlib.sha256(data).hexdigest() != kept.received_sha256


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
    asyncio.run(desk.give_to_case(OTHER, case_id, anonymous=True))
    policy = RetentionPolicy(evidence_hold_hours=2)
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    soon = run_retention(database, utc() + timedelta(hours=1), policy, tracker_store_url=tracker)
    assert soon.counts["files not used"] == 0
    later = run_retention(database, utc() + timedelta(hours=3), policy, tracker_store_url=tracker)
    assert later.counts["files not used"] == 1
    assert asyncio.run(desk.held(SENDER)) == []
    with database.session() as session:
        assert [file.received_sha256 for file in store.of_case(session, case_id)] == [
            kept.received_sha256
        ]
