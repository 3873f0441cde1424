"""Handoffs: stored before the user is told, encrypted at rest, never lost."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import db
from bot.directory.files.importing import import_directory, load_directory_files
from bot.directory.records import Directory
from bot.handoffs.inbox import handoffs_for_advisor, list_handoffs, set_status
from bot.handoffs.store import (
    Handoff,
    HandoffStore,
    HandoffStoreUnavailable,
    TranscriptEntry,
    get_handoff,
)
from bot.handoffs.transcript import transcript_from_events
from tests.integration.directory.test_directory import differences_for
from tests.support import ROOT
from tests.support.postgres import PostgresUnavailable, postgres_server

SEED = ROOT / "data" / "directory"
SECRET = "mon chef me crie dessus devant tout le monde"
PHONE = "+212612345678"
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=timezone.utc)
TRANSCRIPT = [
    TranscriptEntry("user", SECRET, "2026-06-03T11:58:00+00:00"),
    TranscriptEntry("bot", "Je suis désolé d'entendre cela.", "2026-06-03T11:58:01+00:00"),
]


def request(**changes: object) -> dict:
    values: dict = {
        "transcript": TRANSCRIPT,
        "language": "fr",
        "channel": "whatsapp",
        "conversation_ref": "VM-3F9A-C21B-77D0",
        "post_code": "RAB",
        "advisor_id": "rab-nadia-benali",
        "now": NOW,
    }
    values.update(changes)
    return values


@pytest.fixture
def database(tmp_path: Path) -> db.Database:
    database = db.Database(f"sqlite:///{tmp_path}/t.db")
    yield database
    database.dispose()


# --- the transcript -----------------------------------------------------------------------


def test_transcript_from_tracker_events() -> None:
    events = [
        {"event": "user", "text": "an earlier conversation", "timestamp": 1780000000.0},
        {"event": "session_started", "timestamp": 1780480000.0},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": SECRET, "timestamp": 1780488000.5},
        {"event": "slot", "name": "language", "value": "fr"},
        {"event": "bot", "text": "Je suis désolé.", "timestamp": 1780488001.0},
        {"event": "bot", "text": None, "data": {"buttons": [{"title": "Oui"}]}},
        {"event": "user", "text": "/affirm", "timestamp": 1780488010.0},
        {"event": "user", "text": "   "},
        "not an event",
    ]
    transcript = transcript_from_events(events)
    assert [(entry.sender, entry.text) for entry in transcript] == [
        ("user", SECRET),
        ("bot", "Je suis désolé."),
        ("user", "/affirm"),
    ]
    assert transcript[0].timestamp == "2026-06-03T12:00:00.500000+00:00"


# --- storing ------------------------------------------------------------------------------


def test_a_handoff_is_stored_and_read_back(database: db.Database) -> None:
    store = HandoffStore(database)
    created = asyncio.run(store.create(**request()))
    assert created.status == "new"
    assert created.created_at == NOW
    with database.session() as session:
        assert get_handoff(session, created.id) == created
    assert created.transcript == tuple(TRANSCRIPT)
    assert (created.language, created.channel, created.post_code) == ("fr", "whatsapp", "RAB")
    assert created.conversation_ref == "VM-3F9A-C21B-77D0"
    assert created.phone is None  # not shared unless the user agreed


def test_the_transcript_and_phone_are_encrypted_at_rest(
    database: db.Database, tmp_path: Path
) -> None:
    created = asyncio.run(HandoffStore(database).create(**request(phone=PHONE)))
    with sqlite3.connect(tmp_path / "t.db") as raw:
        row = raw.execute("SELECT * FROM handoffs").fetchone()
    stored = " ".join(str(value) for value in row)
    assert "crie dessus" not in stored
    assert "612345678" not in stored
    assert "VM-3F9A-C21B-77D0" in stored  # the pseudonymous reference is not secret
    assert created.phone == PHONE


def test_a_handoff_to_the_pool(database: db.Database) -> None:
    created = asyncio.run(
        HandoffStore(database).create(**request(advisor_id=None, pool_language="ar"))
    )
    assert created.to_pool and created.pool_language == "ar"


def test_a_handoff_needs_a_target(database: db.Database) -> None:
    with pytest.raises(ValueError, match="advisor"):
        asyncio.run(HandoffStore(database).create(**request(advisor_id=None)))


def test_retrying_the_same_handoff_never_stores_it_twice(database: db.Database) -> None:
    store = HandoffStore(database)
    first = asyncio.run(store.create(**request(handoff_id="7d4c1f57-0000-4000-8000-000000000001")))
    again = asyncio.run(store.create(**request(handoff_id=first.id)))
    assert again == first
    with database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Handoff)).scalar_one() == 1


# --- when the database is away ------------------------------------------------------------


def blocked_database(tmp_path: Path) -> tuple[db.Database, Path]:
    """A database whose file cannot be opened: its path is taken by a folder."""
    path = tmp_path / "down" / "t.db"
    path.mkdir(parents=True)
    return db.Database(f"sqlite:///{path}"), path


def test_the_store_retries_until_the_database_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database, path = blocked_database(tmp_path)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            path.rmdir()  # the database comes back during the second wait

    store = HandoffStore(database, spool_dir=tmp_path / "spool", attempts=4, sleep=sleep)
    with caplog.at_level(logging.DEBUG):
        created = asyncio.run(store.create(**request()))
    assert waits == [0.25, 0.5]  # backoff doubles
    with database.session() as session:
        assert get_handoff(session, created.id) == created
    assert store.pending() == []
    assert SECRET not in caplog.text
    database.dispose()


def test_a_handoff_survives_a_database_that_stays_away(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database, path = blocked_database(tmp_path)
    spool = tmp_path / "spool"

    async def sleep(_seconds: float) -> None:
        return None

    store = HandoffStore(database, spool_dir=spool, attempts=3, sleep=sleep)
    with caplog.at_level(logging.DEBUG), pytest.raises(HandoffStoreUnavailable) as failed:
        asyncio.run(store.create(**request(phone=PHONE)))
    assert failed.value.kept
    (kept,) = spool.glob("*.json")
    assert kept.stem == failed.value.handoff_id
    assert "crie dessus" not in kept.read_text() and "612345678" not in kept.read_text()
    assert SECRET not in caplog.text
    database.dispose()

    # Every process restarts; the database is back.
    path.rmdir()
    restarted = db.Database(f"sqlite:///{path}")
    flushed = asyncio.run(HandoffStore(restarted, spool_dir=spool).flush_spool())
    assert flushed == 1
    assert list(spool.glob("*.json")) == []
    with restarted.session() as session:
        stored = get_handoff(session, failed.value.handoff_id)
    assert stored is not None
    assert stored.transcript == tuple(TRANSCRIPT) and stored.phone == PHONE
    assert stored.created_at == NOW
    restarted.dispose()


def test_the_next_handoff_delivers_the_kept_ones(tmp_path: Path) -> None:
    database, path = blocked_database(tmp_path)
    spool = tmp_path / "spool"

    async def sleep(_seconds: float) -> None:
        return None

    with pytest.raises(HandoffStoreUnavailable) as failed:
        asyncio.run(
            HandoffStore(database, spool_dir=spool, attempts=2, sleep=sleep).create(**request())
        )
    database.dispose()
    path.rmdir()
    back = db.Database(f"sqlite:///{path}")
    later = asyncio.run(HandoffStore(back, spool_dir=spool).create(**request(language="ar")))
    with back.session() as session:
        ids = {handoff.id for handoff in list_handoffs(session)}
    assert ids == {later.id, failed.value.handoff_id}
    back.dispose()


def test_when_nothing_can_keep_it_the_user_is_told_to_try_again(tmp_path: Path) -> None:
    database, _path = blocked_database(tmp_path)
    not_a_folder = tmp_path / "spool"
    not_a_folder.write_text("a file where the spool folder should be")

    async def sleep(_seconds: float) -> None:
        return None

    store = HandoffStore(database, spool_dir=not_a_folder, attempts=2, sleep=sleep)
    with pytest.raises(HandoffStoreUnavailable) as failed:
        asyncio.run(store.create(**request()))
    assert not failed.value.kept
    database.dispose()


# --- the advisor console --------------------------------------------------------------------


def test_who_sees_which_handoff(database: db.Database) -> None:
    import_directory(database, [SEED])
    with database.session() as session:
        from bot.directory.tables import read_directory

        directory: Directory = read_directory(session)
    store = HandoffStore(database)
    named = asyncio.run(store.create(**request()))
    pool = asyncio.run(store.create(**request(advisor_id=None, pool_language="fr")))

    def visible(advisor_id: str) -> set[str]:
        advisor = directory.advisor(advisor_id)
        assert advisor is not None
        with database.session() as session:
            return {h.id for h in handoffs_for_advisor(session, advisor, directory)}

    assert visible("rab-nadia-benali") == {named.id, pool.id}
    assert visible("rab-youssef-tazi") == {pool.id}  # Rabat, French
    assert visible("reg-mena-leila-mansour") == {pool.id}  # the region, French
    assert visible("hq-anna-de-wit") == {pool.id}  # HQ serves every post
    assert visible("nai-grace-wanjiru") == set()  # another post, no French
    assert visible("ext-lotte-hendriks") == set()  # external: only when chosen by name
    assert visible("rab-hicham-idrissi") == set()  # inactive


def test_status_changes(database: db.Database) -> None:
    created = asyncio.run(HandoffStore(database).create(**request()))
    with database.session() as session:
        changed = set_status(session, created.id, "in_progress", now=NOW)
        assert changed.status == "in_progress"
        with pytest.raises(ValueError):
            set_status(session, created.id, "lost")
        with pytest.raises(KeyError):
            set_status(session, "no-such-handoff", "closed")
    with database.session() as session:
        assert [h.id for h in list_handoffs(session, statuses=("in_progress",))] == [created.id]


# --- the schema ---------------------------------------------------------------------------


def test_the_handoffs_table_matches_its_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    db.upgrade(url, "heads")
    assert differences_for(url, {"handoffs"}) == []


def test_directory_and_handoffs_on_postgresql() -> None:
    try:
        with postgres_server() as url:
            db.upgrade(url, "heads")
            assert differences_for(url, {"posts", "advisors", "handoffs"}) == []
            db.downgrade(url, "base")
            db.upgrade(url, "heads")
            database = db.Database(url, migrate=False)
            try:
                loaded = load_directory_files([SEED])
                import_directory(database, [SEED])
                with database.session() as session:
                    from bot.directory.tables import read_directory

                    assert read_directory(session) == Directory(loaded.posts, loaded.advisors)
                created = asyncio.run(HandoffStore(database).create(**request(phone=PHONE)))
                with database.session() as session:
                    assert get_handoff(session, created.id) == created
                    raw = session.execute(sa.text("SELECT transcript, phone FROM handoffs"))
                    assert "crie" not in " ".join(str(v) for v in raw.one())
            finally:
                database.dispose()
    except PostgresUnavailable as error:
        pytest.fail(str(error))


def test_the_handoffs_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from bot.settings import settings

    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("VM_STATE_DIR", str(tmp_path / "state"))  # a spool of its own
    spool = settings().state_dir / "handoff-spool"
    path.mkdir()  # the database is away

    async def sleep(_seconds: float) -> None:
        return None

    down = db.Database(f"sqlite:///{path}")
    with pytest.raises(HandoffStoreUnavailable):
        asyncio.run(
            HandoffStore(down, spool_dir=spool, attempts=1, sleep=sleep).create(**request())
        )
    down.dispose()
    assert main(["handoffs", "flush"]) == 1
    assert "1 waiting" in capsys.readouterr().err

    path.rmdir()  # back
    assert main(["handoffs", "flush"]) == 0
    assert "stored 1 of 1 kept handoffs; 0 waiting" in capsys.readouterr().out
    assert main(["handoffs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "rab-nadia-benali" in listed and SECRET not in listed  # no transcripts in lists
    handoff_id = listed.split()[0]
    assert main(["handoffs", "show", handoff_id]) == 0
    assert f"user: {SECRET}" in capsys.readouterr().out
    assert main(["handoffs", "show", "no-such-handoff"]) == 1
