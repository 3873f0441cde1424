"""An anonymous case keeps no time finer than the day on the reporter's side, so its times
cannot be matched with a conversation's or a channel's; the coordinator's side stays exact."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cases.coordinator import reply
from bot.cases.lockout import LockoutPolicy
from bot.cases.store import CaseStore
from bot.cases.views import Report, StatusView
from bot.db import Database

T0 = datetime(2026, 3, 2, 14, 37, 12, tzinfo=timezone.utc)
DAY = datetime(2026, 3, 2, tzinfo=timezone.utc)


@pytest.fixture
def database(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'cases.db'}")
    yield database
    database.dispose()


def _store(database: Database) -> CaseStore:
    return CaseStore(database, lookup_key=b"lookup key for tests", policy=LockoutPolicy())


def _report(contact: str) -> Report:
    details = "me@example.org" if contact == "email" else None
    return Report(
        kind="fraud",
        what_happened="Invoices for work never done",
        language="en",
        channel="whatsapp",
        contact=contact,
        contact_details=details,
    )


def _times(path: Path) -> list[str]:
    """Every stored time of the case store, as text, read raw."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "select received_at, acknowledgement_due, feedback_due from cases"
        ).fetchall()
        rows += db.execute("select at, null, null from audit_entries where actor = 'reporter'")
        rows += db.execute(
            "select sent_at, read_by_reporter_at, null from case_messages where author = 'reporter'"
        )
    return [str(value) for row in rows for value in row if value is not None]


def test_an_anonymous_case_is_stored_with_days_only(database: Database, tmp_path: Path):
    store = _store(database)
    receipt = asyncio.run(store.submit_report(_report("anonymous"), now=T0))
    with database.session() as session:
        reply(
            session,
            receipt.case_id,
            "Thank you, we are looking into it.",
            "C. Oordinator",
            T0 + timedelta(hours=2),
        )
    later = T0 + timedelta(days=1, hours=3, minutes=5)
    seen = asyncio.run(store.check_status(receipt.code, receipt.passphrase, None, now=later))
    assert isinstance(seen, StatusView)
    assert seen.received_at == DAY
    # The legal clock from the day's start: never later than from the exact time.
    assert seen.next_deadline is not None and seen.next_deadline.due == DAY + timedelta(days=7)
    asyncio.run(store.add_information(seen.follow_up, "One more invoice", None, now=later))
    times = _times(tmp_path / "cases.db")
    assert len(times) >= 6
    for value in times:
        assert value[11:19] in ("00:00:00", ""), value
    with sqlite3.connect(tmp_path / "cases.db") as db:
        coordinator = db.execute(
            "select sent_at from case_messages where author = 'coordinator'"
        ).fetchone()[0]
    assert "16:37:12" in str(coordinator)  # the coordinator's side stays exact


def test_a_reporter_with_contact_details_keeps_exact_times(database: Database, tmp_path: Path):
    receipt = asyncio.run(_store(database).submit_report(_report("email"), now=T0))
    assert receipt.case_id
    assert any("14:37:12" in value for value in _times(tmp_path / "cases.db"))
