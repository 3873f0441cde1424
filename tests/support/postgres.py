"""A throwaway PostgreSQL server for tests: `with postgres_server() as url: ...`.

Creates a cluster in a temporary folder, starts it on a free loopback port (its Unix socket
in the same folder, so nothing outside is touched), creates a database, yields its
SQLAlchemy URL, and stops and removes everything afterwards.

It needs the server binaries (Debian: `apt-get install postgresql`). initdb refuses to run
as root, so under root the server runs as an unprivileged user: `postgres` (which the
Debian package creates) or else `nobody`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found on the PATH, in "
    "/usr/lib/postgresql/*/bin or in /usr/local/bin. Install them: "
    "`apt-get install postgresql` (Debian/Ubuntu)."
)
DATABASE = "veilig_melden_test"
SUPERUSER = "vm_test"


class PostgresUnavailable(RuntimeError):
    pass


def _version(initdb: str) -> tuple[int, ...]:
    """(15,) for /usr/lib/postgresql/15/bin/initdb."""
    return tuple(int(part) for part in Path(initdb).parents[1].name.split(".") if part.isdigit())


def find_binaries() -> Path:
    """The folder with initdb, pg_ctl and postgres (the newest version if several)."""
    candidates: list[str] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(on_path)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    candidates += ["/usr/local/bin/initdb", "/usr/local/pgsql/bin/initdb"]
    for candidate in candidates:
        # /usr/local/bin/initdb may be a link: the real folder also holds `postgres`.
        folder = Path(os.path.realpath(candidate)).parent
        if all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise PostgresUnavailable(INSTALL_HINT)


def _unprivileged_user() -> Optional[pwd.struct_passwd]:
    """None when not root; else the user the server runs as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _as_user(command: list[str], user: Optional[pwd.struct_passwd]) -> list[str]:
    if user is None:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--", *command]
    if shutil.which("setpriv"):
        return [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--init-groups",
            *command,
        ]
    return ["su", "-s", "/bin/sh", user.pw_name, "-c", shlex.join(command)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], cwd: Path, what: str, log: Optional[Path] = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise PostgresUnavailable(
            f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}\n{server_log}"
        )


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields 'postgresql+psycopg2://vm_test@127.0.0.1:<port>/veilig_melden_test'."""
    binaries = find_binaries()
    user = _unprivileged_user()
    # Not under pytest's own temp folders: those are private to root, and the server user
    # must be able to reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="vm-pg-"))
    data, sockets, log = folder / "data", folder / "sockets", folder / "server.log"
    sockets.mkdir()
    if user is not None:
        for path in (folder, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    started = False
    try:
        _run(
            _as_user(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-sync",
                ],
                user,
            ),
            folder,
            "initdb",
        )
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            _as_user(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                user,
            ),
            folder,
            "starting PostgreSQL",
            log,
        )
        started = True
        _create_database(port)
        yield f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            subprocess.run(
                _as_user(
                    [str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user
                ),
                cwd=folder,
                capture_output=True,
                timeout=120,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _create_database(port: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(
        f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{port}/postgres",
        future=True,
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as connection:
            connection.execute(
                text(f"CREATE DATABASE {DATABASE} ENCODING 'UTF8' TEMPLATE template0")
            )
    finally:
        engine.dispose()
