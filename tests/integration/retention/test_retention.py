"""Retention with a moved clock: what is past its period goes, what is not stays, a deleted
case leaves only a count, and `retention run` says how many, never what."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cases.coordinator import change_status, reply
from bot.cases.lockout import LockoutPolicy, ReceiptAttempt
from bot.cases.model import AuditEntry, Case, CaseMessage
from bot.cases.overview_data import tally_for, years_with_cases
from bot.cases.store import CaseStore
from bot.cases.views import Report
from bot.cli import main
from bot.db import Database
from bot.deliveries import ChannelDelivery
from bot.handoffs.inbox import set_status
from bot.handoffs.messages import keep_message, messages_of
from bot.handoffs.store import Handoff, HandoffStore, TranscriptEntry
from bot.retention import schedule
from bot.retention.conversations import purge_conversations, tracker_store_url
from bot.retention.overview import OverviewCount, deleted_tally
from bot.retention.policy import RetentionPolicy
from bot.retention.run import run_retention

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=timezone.utc)
SECRET = "The consul sells visa appointments for 200 euros each"
DAY = 86400.0


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    database = Database(url)
    database.engine  # noqa: B018 - migrated now
    yield database
    database.dispose()


@pytest.fixture
def tracker_url(tmp_path: Path) -> str:
    """A tracker store with Rasa's events table and nothing in it yet."""
    from rasa.core.tracker_store import SQLTrackerStore

    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = sa.create_engine(url, future=True)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()
    return url


def add_events(url: str, sender: str, *moments: datetime) -> None:
    """Events as bot/tracker_store.py stores them: the UTC day's start, data encrypted."""
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        for moment in moments:
            day = (moment.timestamp() // DAY) * DAY
            connection.execute(
                sa.text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (:s, 'user', :t, 'gAAAA-encrypted')"
                ),
                {"s": sender, "t": day},
            )
    engine.dispose()


def events_of(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")
        ).all()
    engine.dispose()
    return {sender: number for sender, number in rows}


def closed_case(database: Database, closed_on: datetime, kind: str = "fraud") -> int:
    store = CaseStore(database, lookup_key=b"retention tests", policy=LockoutPolicy())
    report = Report(kind=kind, what_happened=SECRET, language="en", channel="rest")
    receipt = asyncio.run(store.submit_report(report, now=closed_on - timedelta(days=60)))
    with database.session() as session:
        for step, status in enumerate(("acknowledged", "in_assessment", "referred", "closed")):
            moment = closed_on - timedelta(days=3 - step) if status != "closed" else closed_on
            change_status(session, receipt.case_id, status, "Ann", moment)
        reply(session, receipt.case_id, "We referred it.", "Ann", closed_on)
    return receipt.case_id


def kept(session: sa.orm.Session, year: int = 2026) -> dict:
    """The overview's counts of deleted cases by kind and outcome."""
    tally = deleted_tally(session, year)
    return {key: n for key, n in tally.items() if key[1] in ("kind", "outcome")}


def rows(database: Database, table: type) -> int:
    with database.session() as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar())


def run(database: Database, now: datetime, tracker: str, dry_run: bool = False):
    return run_retention(
        database, now=now, policy=RetentionPolicy(), dry_run=dry_run, tracker_store_url=tracker
    )


# --- cases ------------------------------------------------------------------------------------


def test_a_closed_case_stays_five_years_then_goes_with_its_messages_and_audit(
    database: Database, tracker_url: str
):
    closed_on = T0 + timedelta(days=90)
    old = closed_case(database, closed_on)
    open_store = CaseStore(database, lookup_key=b"retention tests", policy=LockoutPolicy())
    still_open = asyncio.run(
        open_store.submit_report(
            Report(kind="bullying", what_happened=SECRET, language="nl", channel="rest"), now=T0
        )
    ).case_id

    almost = closed_on + timedelta(days=5 * 365)  # 2031-04-11: a day short of five years
    assert run(database, almost, tracker_url).counts["closed cases"] == 0
    with database.session() as session:
        assert session.get(Case, old) is not None

    after = closed_on + timedelta(days=5 * 365 + 2)
    assert run(database, after, tracker_url, dry_run=True).counts["closed cases"] == 1
    assert rows(database, Case) == 2, "a dry run deletes nothing"
    assert run(database, after, tracker_url).counts["closed cases"] == 1

    with database.session() as session:
        assert session.get(Case, old) is None
        assert session.get(Case, still_open) is not None, "an open case is never deleted"
        left = session.execute(sa.select(CaseMessage.case_id)).scalars().all()
        assert old not in left
        audited = session.execute(sa.select(AuditEntry.case_id, AuditEntry.action)).all()
        assert all(case_id != old for case_id, _ in audited)
        assert "retention.run" in {action for _, action in audited}, "the run is audited"
        # What remains of it: counts for the year and quarter it came in (its kind, how
        # it ended, ...), never a row of its own.
        assert kept(session) == {(1, "kind", "fraud"): 1, (1, "outcome", "closed_referred"): 1}
        stored = session.execute(sa.select(OverviewCount)).scalars().all()
        assert {(r.year, r.quarter, r.cases) for r in stored} == {(2026, 1, 1)}
        assert {(r.measure, r.value) for r in stored} == {
            ("kind", "fraud"), ("region", "unknown"), ("channel", "rest"), ("language", "en"),
            ("anonymous", "yes"), ("outcome", "closed_referred"), ("missed", "acknowledgement"),
            ("days_to_acknowledgement", "57"),
        }  # fmt: skip
    # A second run finds nothing more and counts nothing twice.
    assert run(database, after, tracker_url).counts["closed cases"] == 0
    with database.session() as session:
        assert kept(session) == {(1, "kind", "fraud"): 1, (1, "outcome", "closed_referred"): 1}


def test_deleted_cases_of_one_year_kind_and_outcome_add_up(database: Database, tracker_url: str):
    first = T0 + timedelta(days=60)
    closed_case(database, first)
    closed_case(database, first + timedelta(days=1))
    closed_case(database, first + timedelta(days=2), kind="bullying")
    run(database, first + timedelta(days=6 * 365), tracker_url)
    with database.session() as session:
        assert kept(session) == {
            (1, "kind", "bullying"): 1,
            (1, "kind", "fraud"): 2,
            (1, "outcome", "closed_referred"): 3,
        }


# --- handoffs, deliveries, receipt attempts ------------------------------------------------


def handoff(database: Database, now: datetime) -> str:
    store = HandoffStore(database)
    created = asyncio.run(
        store.create(
            transcript=[TranscriptEntry("user", SECRET)],
            language="en",
            channel="web",
            conversation_ref="VM-0000-1111-2222",
            post_code="RAB",
            pool_language="en",
            now=now,
        )
    )
    return created.id


def test_a_closed_handoff_goes_ninety_days_after_closing_an_open_one_stays(
    database: Database, tracker_url: str
):
    closed = handoff(database, T0)
    still_open = handoff(database, T0)
    with database.session() as session:
        set_status(session, closed, "closed", T0 + timedelta(days=10))
        for handoff_id in (closed, still_open):  # what an advisor wrote from the console
            keep_message(session, handoff_id, "account-1", "Bonjour", now=T0 + timedelta(days=1))
    assert run(database, T0 + timedelta(days=99), tracker_url).counts["closed handoffs"] == 0
    assert run(database, T0 + timedelta(days=101), tracker_url).counts["closed handoffs"] == 1
    with database.session() as session:
        assert session.get(Handoff, closed) is None
        assert session.get(Handoff, still_open) is not None
        assert messages_of(session, closed) == []
        assert len(messages_of(session, still_open)) == 1


def test_the_files_of_a_purged_case_and_handoff_go_with_them(database: Database, tracker_url: str):
    """Evidence (issue 17): a deleted case's or handoff's files and their encrypted chunks
    are gone; those of a case and a handoff still kept stay, readable."""
    from bot.encryption import bytes_cipher
    from bot.evidence import store
    from bot.evidence.limits import MB, EvidenceLimits
    from bot.evidence.received import receive
    from bot.evidence.store import CaseFile, EvidenceChunk, EvidenceFile

    def attach(data: bytes, **holder: object) -> str:
        received = receive(data, case_bytes=0, limits=EvidenceLimits(16 * MB, 50 * MB))
        with database.session() as session:
            return store.store(session, received, bytes_cipher(), **holder).id  # type: ignore[arg-type]

    closed_on = T0 + timedelta(days=90)
    old_case = closed_case(database, closed_on)
    kept_case = closed_case(database, closed_on + timedelta(days=400))
    old_handoff, kept_handoff = handoff(database, T0), handoff(database, T0)
    with database.session() as session:
        set_status(session, old_handoff, "closed", T0 + timedelta(days=10))
    text = b"notes " * 400_000  # 2.4 MB: three chunks
    gone = [attach(text, case_id=old_case), attach(b"a voice", case_id=old_case)]
    gone.append(attach(b"to the advisor", handoff_id=old_handoff))
    stays = [attach(text, case_id=kept_case), attach(b"still open", handoff_id=kept_handoff)]

    report = run(database, closed_on + timedelta(days=5 * 365 + 2), tracker_url)
    assert report.counts["closed cases"] == 1 and report.counts["closed handoffs"] == 1
    with database.session() as session:
        files = set(session.execute(sa.select(EvidenceFile.id)).scalars())
        files |= set(session.execute(sa.select(CaseFile.id)).scalars())
        chunks = set(session.execute(sa.select(EvidenceChunk.file_id)).scalars())
        assert files == chunks == set(stays)
        assert (
            store.of_case(session, old_case) == [] and store.of_handoff(session, old_handoff) == []
        )
        opened = store.content(session, stays[0], bytes_cipher())
        assert opened is not None and opened[1] == text


def test_expired_delivery_ids_and_receipt_attempts_go(database: Database, tracker_url: str):
    with database.session() as session:
        session.add(ChannelDelivery(channel="twilio", delivery_id="SM-old", received_at=T0))
        session.add(
            ChannelDelivery(channel="twilio", delivery_id="SM-new", received_at=T0 + timedelta(6))
        )
        session.add(ReceiptAttempt(subject="sender:VM-1", at=T0, outcome="failure"))
    report = run(database, T0 + timedelta(days=7, hours=1), tracker_url)
    assert report.counts["delivery ids"] == 0, "Twilio's ids are what refuses a replay"
    assert report.counts["receipt attempts"] == 1
    assert rows(database, ReceiptAttempt) == 0
    report = run(database, T0 + timedelta(days=30, hours=1), tracker_url)
    assert report.counts["delivery ids"] == 1
    assert rows(database, ChannelDelivery) == 1


def test_delivery_ids_are_kept_as_long_as_any_channel_relies_on_them():
    from channels.state import DELIVERY_MEMORY, TWILIO_DELIVERY_MEMORY

    now = T0
    policy = RetentionPolicy()
    assert policy.deliveries_before(now) <= now - max(DELIVERY_MEMORY, TWILIO_DELIVERY_MEMORY)
    # Conversations kept longer: so are the ids that keep replays out of them.
    longer = RetentionPolicy(conversation_days=60)
    assert longer.deliveries_before(now) <= now - timedelta(days=60)


# --- conversations -------------------------------------------------------------------------


def test_a_conversation_goes_30_days_after_its_last_message_an_active_one_stays_whole(
    tracker_url: str,
):
    add_events(tracker_url, "idle", T0, T0 + timedelta(days=1))
    add_events(tracker_url, "active", T0, T0 + timedelta(days=40))
    at_limit = T0 + timedelta(days=31)  # 30 days after its last day began, not after it ended
    assert purge_conversations(tracker_url, at_limit, 30, dry_run=False) == (0, 0)
    later = T0 + timedelta(days=33)
    assert purge_conversations(tracker_url, later, 30, dry_run=True) == (1, 2)
    assert events_of(tracker_url) == {"idle": 2, "active": 2}
    assert purge_conversations(tracker_url, later, 30, dry_run=False) == (1, 2)
    assert events_of(tracker_url) == {"active": 2}, "none of an active conversation goes"


def test_a_tracker_store_without_conversations_yet_is_no_error(tmp_path: Path):
    empty = f"sqlite:///{tmp_path / 'never-used.db'}"
    assert purge_conversations(empty, T0, 30, dry_run=False) == (0, 0)


def test_the_tracker_store_is_the_one_endpoints_yml_names(tmp_path: Path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: http://localhost:5055/webhook\n"
        "  token: ${SOME_SECRET_THIS_PROCESS_LACKS}\n"
        "tracker_store:\n  type: bot.tracker_store.EncryptedSQLTrackerStore\n"
        "  dialect: sqlite\n  db: var/conversations.db\n"
    )
    assert tracker_store_url(endpoints) == f"sqlite:///{tmp_path / 'var' / 'conversations.db'}"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n  port: 5433\n"
        "  db: rasa\n  username: vm\n  password: s3cret\n"
    )
    assert tracker_store_url(endpoints) == "postgresql://vm:s3cret@db.internal:5433/rasa"


# --- the command and the schedule ---------------------------------------------------------


def test_the_command_prints_counts_only_and_a_dry_run_deletes_nothing(
    database: Database, tracker_url: str, capsys: pytest.CaptureFixture[str]
):
    closed_case(database, T0)
    add_events(tracker_url, "VM-idle", T0)
    later = (T0 + timedelta(days=6 * 365)).isoformat()
    command = ["retention", "run", "--tracker-store", tracker_url, "--now", later]
    assert main([*command, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete 1 closed cases" in out and "would delete 1 conversations" in out
    assert rows(database, Case) == 1 and events_of(tracker_url) == {"VM-idle": 1}
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "deleted 1 closed cases" in out and "deleted 1 conversation events" in out
    assert SECRET not in out and "VM-idle" not in out
    assert rows(database, Case) == 0 and events_of(tracker_url) == {}


def test_periods_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VM_RETENTION_CONVERSATION_DAYS", "14")
    monkeypatch.setenv("VM_RETENTION_HANDOFF_DAYS", "60")
    monkeypatch.setenv("VM_RETENTION_CASE_YEARS", "7")
    assert RetentionPolicy.from_environment() == RetentionPolicy(14, 60, 7)
    monkeypatch.setenv("VM_RETENTION_CASE_YEARS", "0")
    with pytest.raises(ValueError):
        RetentionPolicy.from_environment()


def test_the_daily_run_works_off_the_event_loop_and_stops_with_the_server():
    ran_on: list[str] = []
    release = threading.Event()

    def slow_work() -> None:
        ran_on.append(threading.current_thread().name)
        release.wait(2)

    async def scenario() -> int:
        task = asyncio.create_task(schedule.run_daily(interval=0.05, first_after=0, work=slow_work))
        ticks = 0
        for _ in range(10):  # the loop keeps ticking while the work blocks its thread
            await asyncio.sleep(0.01)
            ticks += 1
        release.set()
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return ticks

    assert asyncio.run(scenario()) == 10
    assert len(ran_on) >= 2, "it runs again after the interval"
    assert threading.main_thread().name not in ran_on


def test_the_listeners_start_and_stop_the_daily_task(monkeypatch: pytest.MonkeyPatch):
    class App:
        class ctx:  # noqa: N801 - Sanic's name
            pass

    async def scenario() -> bool:
        app = App()
        await schedule.start_daily_retention(app, None)
        task = getattr(app.ctx, schedule.TASK)
        running = not task.done()
        await schedule.stop_daily_retention(app, None)
        return running and task.cancelled()

    assert asyncio.run(scenario())


def test_a_listener_for_another_endpoints_file_purges_that_tracker_store(
    database: Database, tracker_url: str, tmp_path: Path
):
    endpoints = tmp_path / "endpoints.yml"
    path = tracker_url.removeprefix("sqlite:///")
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {path}\n")
    add_events(tracker_url, "long-idle", datetime(2020, 1, 1, tzinfo=timezone.utc))

    class App:
        class ctx:  # noqa: N801 - Sanic's name
            pass

    async def scenario() -> None:
        app = App()
        await schedule.daily_retention_listener(endpoints, interval=60, first_after=0)(app, None)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not events_of(tracker_url):
                break
        await schedule.stop_daily_retention(app, None)

    asyncio.run(scenario())
    assert events_of(tracker_url) == {}


def test_retention_on_postgresql(tmp_path: Path):
    """The same statements on PostgreSQL: the grouped delete of idle conversations, the
    conditional case delete and the count it leaves."""
    from rasa.core.tracker_store import SQLTrackerStore

    from bot import db
    from tests.support.postgres import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as url:
            database = Database(url)
            try:
                engine = sa.create_engine(url, future=True)
                SQLTrackerStore.Base.metadata.create_all(engine)
                engine.dispose()
                closed_on = T0 + timedelta(days=90)
                closed_case(database, closed_on)
                add_events(url, "idle", T0)
                add_events(url, "active", T0, closed_on + timedelta(days=5 * 365 + 1))
                report = run(database, closed_on + timedelta(days=5 * 365 + 2), url)
                assert report.counts["closed cases"] == 1
                assert (report.counts["conversations"], report.counts["conversation events"]) == (
                    1,
                    1,
                )
                assert events_of(url) == {"active": 2}
                with database.session() as session:
                    assert kept(session) == {
                        (1, "kind", "fraud"): 1,
                        (1, "outcome", "closed_referred"): 1,
                    }
                closed_case(database, datetime(2027, 6, 1, tzinfo=timezone.utc))  # kept
                with database.session() as session:
                    # The overview's reading on PostgreSQL: years (EXTRACT) and the tally.
                    assert years_with_cases(session) == [2027, 2026]
                    tally = tally_for(session, 2026, T0)
                    assert tally[(1, "kind", "fraud")] == 1 and sum(tally.values()) == 8
                    assert tally_for(session, 2027, T0)[(2, "kind", "fraud")] == 1
            finally:
                database.dispose()
                db.downgrade(url, "base")
    except PostgresUnavailable as error:
        pytest.fail(str(error))
