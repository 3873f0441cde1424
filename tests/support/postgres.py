"""A throwaway PostgreSQL server for tests: `with postgres_server() as url: ...`.

Creates a cluster in a temporary folder, starts it on a free loopback port (its Unix socket
in the same folder, so nothing outside is touched), creates a database, yields its
SQLAlchemy URL, and stops and removes everything afterwards. The server itself is
bot/cluster/postgres.py, which `bin/cluster` runs too.

It needs the server binaries (Debian: `apt-get install postgresql`). initdb refuses to run
as root, so under root the server runs as an unprivileged user: `postgres` (which the
Debian package creates) or else `nobody`.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.cluster.postgres import INSTALL_HINT, LocalPostgres, PostgresUnavailable, find_binaries

__all__ = [
    "INSTALL_HINT",
    "PostgresUnavailable",
    "find_binaries",
    "local_postgres",
    "postgres_server",
    "restart",
]

DATABASE = "veilig_melden_test"
SUPERUSER = "vm_test"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server(databases: tuple[str, ...] = ()) -> Iterator[str]:
    """Yields 'postgresql+psycopg2://vm_test@127.0.0.1:<port>/veilig_melden_test';
    `databases` are created on the same server too."""
    with local_postgres(databases) as server:
        yield server.url(DATABASE)


def restart(server: LocalPostgres) -> None:
    """Stops the server (fast: open sessions are ended, their transactions rolled back) and
    starts it again on the same port and data: what a restart does to its clients."""
    server.stop()
    server.start(durable=False)


@contextmanager
def local_postgres(databases: tuple[str, ...] = ()) -> Iterator[LocalPostgres]:
    """The server itself, with DATABASE and `databases` created: for tests that restart it."""
    # Not under pytest's own temp folders: those are private to root, and the server user
    # must be able to reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="vm-pg-"))
    server = None
    started = False
    try:
        server = LocalPostgres(folder, _free_port(), SUPERUSER)
        server.initialise()
        server.start(durable=False)
        started = True
        for name in (DATABASE, *databases):
            server.create_database(name)
        yield server
    finally:
        if started and server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
