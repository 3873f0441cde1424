"""The assistant's own database: directory, handoffs and cases.

SQLAlchemy 2.0-style code on 1.4 (`future=True`), schema owned by Alembic migrations in
bot/migrations. SQLite under the state folder by default; PostgreSQL in production via
DATABASE_URL. The engine is blocking: servers call it through `Database.run`, which moves
the work off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot.security.files import private_sqlite
from bot.settings import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Stable constraint names, so migrations can drop and alter them on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

T = TypeVar("T")


def database_url() -> str:
    """DATABASE_URL if set, else an SQLite file in the state folder."""
    return settings().database_url


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///").split("?", 1)[0]
        if path and path != ":memory:":
            # Created owner-only before SQLite opens it (its -wal/-shm files follow its mode).
            private_sqlite(Path(path), settings().state_dir)
        engine = create_engine(
            url, future=True, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Brings the schema to `revision` (all the way by default)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


class Database:
    """An engine and its session factory, built (and the schema migrated) on first use. The
    assistant has one per process, from `bot.runtime.database()`."""

    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = url or database_url()
        self._migrate = migrate
        self._engine: Engine | None = None
        self._sessions: sessionmaker | None = None
        # The first uses arrive together on worker threads: only one may migrate.
        self._first_use = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._first_use:
                if self._engine is None:
                    if self._migrate:
                        upgrade(self.url)
                    engine = make_engine(self.url)
                    self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
                    self._engine = engine  # last: other threads wait until all is built
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error."""
        self.engine  # noqa: B018 - builds the engine (and migrates) on first use
        assert self._sessions is not None
        with self._sessions() as session, session.begin():
            yield session

    async def run(self, work: Callable[[Session], T]) -> T:
        """Runs `work` in a transaction on a worker thread, off the event loop."""

        def _in_transaction() -> T:
            with self.session() as session:
                return work(session)

        return await asyncio.to_thread(_in_transaction)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None
