"""A Redis server of our own (`redis-server`, Debian package redis-server), on loopback with
a password, keeping nothing on disk: it holds only conversation locks, open web chat windows
and messages in passing, none of which must outlive it. For `bin/cluster` and the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional
from urllib.parse import quote

INSTALL_HINT = (
    "redis-server was not found on the PATH or in /usr/bin or /usr/sbin. Install it: "
    "`apt-get install redis-server` (Debian/Ubuntu; .ci/run installs it)."
)
START_TIMEOUT_SECONDS = 30


class RedisUnavailable(RuntimeError):
    pass


def find_redis_server() -> str:
    found = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.access(p, os.X_OK)),
        None,
    )
    if found is None:
        raise RedisUnavailable(INSTALL_HINT)
    return found


def config_text(folder: Path, port: int, password: str) -> str:
    return "\n".join(
        [
            "bind 127.0.0.1",
            "protected-mode yes",
            f"port {port}",
            f"dir {folder}",
            'save ""',  # nothing written to disk: locks and presence are transient
            "appendonly no",
            "daemonize no",
            "loglevel warning",
            f"logfile {folder / 'redis.log'}",
            f"requirepass {password}",
            "",
        ]
    )


class LocalRedis:
    """redis-server with its configuration (owner-only: it holds the password, which thus
    never appears in a command line) and log in `folder`."""

    def __init__(self, folder: Path, port: int, password: str) -> None:
        self.binary = find_redis_server()
        self.folder = folder
        self.port = port
        self.password = password
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        config = self.folder / "redis.conf"
        descriptor = os.open(config, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(config_text(self.folder, self.port, self.password))
        self.process = subprocess.Popen(
            [self.binary, str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops it in order
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=2)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    log = self.folder / "redis.log"
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RedisUnavailable(
                        f"redis-server exited ({self.process.returncode}):\n{tail}"
                    )
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    pass
                if time.monotonic() > deadline:
                    raise RedisUnavailable("redis-server did not answer in time")
                time.sleep(0.1)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
