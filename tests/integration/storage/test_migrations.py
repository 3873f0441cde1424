"""Schema migrations up, down and up again, on SQLite and on a real PostgreSQL that the test
starts itself; the migrated schema matches the case store's models, and the store works on it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import db
from bot.cases.coordinator import acknowledge, case_detail, reply
from bot.cases.lockout import LockoutPolicy
from bot.cases.store import CaseStore
from bot.cases.views import Report, StatusView
from tests.support.postgres import PostgresUnavailable, postgres_server

CASE_TABLES = {"cases", "case_messages", "audit_entries", "receipt_attempts"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _table_of(difference: Any) -> str | None:
    """The table an autogenerate difference is about. Shapes: ('add_table', Table),
    ('remove_index', Index), ('add_column', schema, 'table', Column), a list of
    ('modify_type', schema, 'table', 'column', ...) for changed columns."""
    if isinstance(difference, list):
        return _table_of(difference[0])
    subject = difference[1]
    if isinstance(subject, sa.Table):
        return subject.name
    if isinstance(subject, (sa.Index, sa.Constraint)):
        return subject.table.name
    return difference[2]


def _schema_differences(url: str) -> list[Any]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.Base.metadata)
    finally:
        engine.dispose()
    return [d for d in differences if _table_of(d) in CASE_TABLES]


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
    assert CASE_TABLES <= _tables(url)
    assert _schema_differences(url) == [], "the migration and the models disagree"
    _store_and_read_a_case(url)

    db.downgrade(url, "base")
    assert not (CASE_TABLES & _tables(url)), "downgrade leaves case tables behind"

    db.upgrade(url, "heads")
    assert CASE_TABLES <= _tables(url)
    assert _schema_differences(url) == []
    _store_and_read_a_case(url)


def test_migrations_up_down_up_on_sqlite(tmp_path: Path):
    _up_down_up(f"sqlite:///{tmp_path / 'migrations.db'}")


def test_migrations_up_down_up_on_postgresql():
    try:
        with postgres_server() as url:
            _up_down_up(url)
    except PostgresUnavailable as error:
        pytest.fail(str(error))
