"""A PostgreSQL server of our own, from Debian's binaries (`apt-get install postgresql`),
in a data folder we choose, on loopback: for `bin/cluster` (kept between runs) and the tests
(thrown away, tests/support/postgres.py).

initdb and postgres refuse to run as root, so under root the server runs as an
unprivileged user: `postgres` (which the Debian package creates) or else `nobody`; its
folder must then be one that user can reach (not inside the owner-only state folder)."""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Optional

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found on the PATH, in "
    "/usr/lib/postgresql/*/bin or in /usr/local/bin. Install them: "
    "`apt-get install postgresql` (Debian/Ubuntu)."
)
TIMEOUT_SECONDS = 120


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


def unprivileged_user() -> Optional[pwd.struct_passwd]:
    """None when not root; else the user the server runs as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")


def as_user(command: list[str], user: Optional[pwd.struct_passwd]) -> list[str]:
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


class LocalPostgres:
    """The server in `folder` (data/, sockets/, server.log), listening on 127.0.0.1:`port`
    with `superuser`; `password` None: trust on loopback (throwaway test servers only)."""

    def __init__(
        self, folder: Path, port: int, superuser: str, password: Optional[str] = None
    ) -> None:
        self.folder = folder
        self.port = port
        self.superuser = superuser
        self.password = password
        self.binaries = find_binaries()
        self.user = unprivileged_user()
        self.data = folder / "data"
        self.sockets = folder / "sockets"
        self.log = folder / "server.log"

    def _run(self, command: list[str], what: str) -> None:
        result = subprocess.run(
            as_user(command, self.user),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}\n{log}"
            )

    def _own(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def initialise(self) -> None:
        """initdb, once: a data folder that exists is kept (bin/cluster's, between runs)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own(self.folder)
        self.sockets.mkdir(mode=0o700, exist_ok=True)
        self._own(self.sockets)
        if self.initialised:
            return
        command = [str(self.binaries / "initdb"), "-D", str(self.data), "-U", self.superuser,
                   "--encoding=UTF8", "--no-locale"]  # fmt: skip
        if self.password is None:
            self._run([*command, "--auth=trust", "--no-sync"], "initdb")
            return
        # The password goes to initdb in a file only the server's user reads, never in a
        # command line; logins over TCP need it (scram), the Unix socket stays the owner's.
        secret = self.folder / "initdb.pw"
        descriptor = os.open(secret, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(self.password + "\n")
        self._own(secret)
        try:
            self._run(
                [*command, f"--pwfile={secret}", "--auth-host=scram-sha-256", "--auth-local=peer"],
                "initdb",
            )
        finally:
            secret.unlink(missing_ok=True)

    def start(self, durable: bool = True) -> None:
        """Starts the server and waits until it takes connections; `durable` False skips
        the disk flushes (a throwaway test server)."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets}"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            [str(self.binaries / "pg_ctl"), "-D", str(self.data), "-o", options,
             "-l", str(self.log), "-w", "-t", "60", "start"],
            "starting PostgreSQL",
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            as_user(
                [str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                self.user,
            ),
            cwd=self.folder,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
        )

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database` on this server, with the password if any."""
        from sqlalchemy.engine import URL

        return URL.create(
            "postgresql+psycopg2",
            username=self.superuser,
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        ).render_as_string(hide_password=False)

    def create_database(self, name: str) -> None:
        """Creates `name` unless it exists (UTF-8, from template0)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url("postgres"), future=True, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                found = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).first()
                if found is None:
                    connection.execute(
                        text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
                    )
        finally:
            engine.dispose()
