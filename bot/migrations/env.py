"""Alembic environment: runs the migrations in bot/migrations/versions against the URL
that bot.db puts in the configuration (DATABASE_URL or the SQLite default). The target is
every table the assistant declares (bot.tables), so autogenerate sees them all."""

from __future__ import annotations

from alembic import context

from bot import tables
from bot.db import make_engine

config = context.config
target_metadata = tables.metadata


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
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
