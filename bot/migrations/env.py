"""Alembic environment: runs the migrations in bot/migrations/versions against the URL
that bot.db puts in the configuration (DATABASE_URL or the SQLite default). The target is
every table the assistant declares (bot.tables), so autogenerate sees them all."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot import tables
from bot.db import make_engine

config = context.config
target_metadata = tables.metadata
LOCK_KEY = 0x564D_6D69  # "VMmi": the transaction-scoped advisory lock of the migrations


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL in the Alembic configuration (see bot.db)")
    engine = make_engine(url)
    with engine.connect() as connection:
        # Batch mode lets ALTER TABLE work on SQLite too.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several servers starting together on an empty database would each create
                # the tables: one migrates, the others wait here and then find it done.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
