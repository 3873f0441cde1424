"""Schema migrations up, down and up again, on SQLite and on a real PostgreSQL that the test
starts itself; the migrated schema matches every table the assistant declares (bot.tables),
and the case store works on it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import db, tables
from bot.cases.coordinator import acknowledge, case_detail, reply
from bot.cases.lockout import LockoutPolicy
from bot.cases.store import CaseStore
from bot.cases.views import Report, StatusView
from bot.timestamps import UtcDateTime
from tests.support.postgres import PostgresUnavailable, postgres_server

CASE_TABLES = {"cases", "case_messages", "audit_entries", "receipt_attempts"}
ALL_TABLES = set(tables.metadata.tables)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _schema_differences(url: str) -> list[Any]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, tables.metadata)
    finally:
        engine.dispose()
    return differences


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _store_and_read_a_case(url: str) -> None:
    database = db.Database(url, migrate=False)
    store = CaseStore(database, lookup_key=b"k", policy=LockoutPolicy())
    try:
        receipt = asyncio.run(
            store.submit_report(
                Report(
                    kind="fraud",
                    what_happened="Invoices for a reception that never happened",
                    language="es",
                    channel="rest",
                    when="ayer",
                    contact="phone",
                    contact_details="+34 612 345 678",
                ),
                now=T0,
            )
        )
        with database.session() as session:
            acknowledge(session, receipt.case_id, "Ann", T0 + timedelta(days=1))
            reply(session, receipt.case_id, "Gracias", "Ann", T0 + timedelta(days=1))
        view = asyncio.run(
            store.check_status(
                receipt.display_code, receipt.passphrase, "VM-A", T0 + timedelta(days=2)
            )
        )
        assert isinstance(view, StatusView)
        assert view.status == "acknowledged" and [m.text for m in view.messages] == ["Gracias"]
        assert view.next_deadline.due == datetime(2026, 6, 3, 9, 0, tzinfo=timezone.utc)
        for _ in range(5):
            asyncio.run(store.check_status(receipt.code, "wrong", "VM-B", T0 + timedelta(days=3)))
        locked = asyncio.run(
            store.check_status(receipt.code, receipt.passphrase, "VM-C", T0 + timedelta(days=3))
        )
        assert locked.reason == "locked"
        with database.session() as session:
            detail = case_detail(session, receipt.case_id, "Ann", T0)
        assert detail.what_happened == "Invoices for a reception that never happened"
        assert detail.contact_details == "+34612345678"
    finally:
        database.dispose()


def _up_down_up(url: str) -> None:
    db.upgrade(url, "heads")
    assert ALL_TABLES <= _tables(url)
    assert _schema_differences(url) == [], "the migration and the models disagree"
    _store_and_read_a_case(url)

    db.downgrade(url, "base")
    assert not (ALL_TABLES & _tables(url)), "downgrade leaves tables behind"

    db.upgrade(url, "heads")
    assert ALL_TABLES <= _tables(url)
    assert _schema_differences(url) == []
    _store_and_read_a_case(url)


def test_the_registry_holds_every_declared_table():
    assert CASE_TABLES <= ALL_TABLES
    assert {"handoffs", "posts", "advisors", "channel_deliveries", "channel_opt_outs"} <= ALL_TABLES


def _attempt_times(url: str, column_type: sa.types.TypeEngine) -> list[Any]:
    engine = db.make_engine(url)
    attempts = sa.table("receipt_attempts", sa.column("at", column_type))
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(attempts.c.at)).scalars())
    finally:
        engine.dispose()


def _moments_survive_0005(url: str) -> None:
    """0005_utc_timestamps gives the case tables' columns a time zone and takes it away
    again, and the moment stays the same both ways, whatever the session's time zone."""
    db.downgrade(url, "0004_channels")
    engine = db.make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM receipt_attempts"))
            connection.execute(
                sa.text(
                    "INSERT INTO receipt_attempts (subject, at, outcome) "
                    "VALUES ('code:x', :at, 'failure')"
                ),
                {"at": T0.replace(tzinfo=None)},  # UTC without a zone, as 0003 stored it
            )
    finally:
        engine.dispose()

    db.upgrade(url, "0005_utc_timestamps")
    assert _attempt_times(url, UtcDateTime()) == [T0]
    db.downgrade(url, "0004_channels")
    assert _attempt_times(url, sa.DateTime()) == [T0.replace(tzinfo=None)]
    db.upgrade(url, "heads")
    assert _attempt_times(url, UtcDateTime()) == [T0]
    assert _schema_differences(url) == []


def test_migrations_up_down_up_on_sqlite(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'migrations.db'}"
    _up_down_up(url)
    _moments_survive_0005(url)


def test_migrations_up_down_up_on_postgresql():
    try:
        with postgres_server() as url:
            _up_down_up(url)
            # Not UTC, so a conversion in the session's zone would move the moments.
            engine = db.make_engine(url)
            with engine.begin() as connection:
                name = connection.execute(sa.text("SELECT current_database()")).scalar()
                connection.execute(
                    sa.text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'")
                )
            engine.dispose()
            _moments_survive_0005(url)
    except PostgresUnavailable as error:
        pytest.fail(str(error))
