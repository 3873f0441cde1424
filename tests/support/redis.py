"""A throwaway Redis for tests: `with redis_server() as url: ...` on a free loopback port,
with a password, in a temporary folder removed afterwards (bot/cluster/redis.py, which
`bin/cluster` runs too). Without redis-server the test fails and says how to install it:
.ci/run installs it, so a missing one is a broken machine, not a reason to skip."""

from __future__ import annotations

import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cluster.redis import LocalRedis, RedisUnavailable


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis_server() -> Iterator[str]:
    """Yields 'redis://:<password>@127.0.0.1:<port>/0'."""
    with local_redis() as server:
        yield server.url


def restart(server: LocalRedis) -> None:
    """Stops Redis and starts it again on the same port, empty (it keeps nothing on disk):
    what a restart does to its clients."""
    server.stop()
    server.start()


@contextmanager
def local_redis() -> Iterator[LocalRedis]:
    """The server itself: for tests that restart it."""
    folder = Path(tempfile.mkdtemp(prefix="vm-redis-"))
    server = None
    try:
        try:
            server = LocalRedis(folder, _free_port(), secrets.token_hex(16))
            server.start()
        except RedisUnavailable as error:
            pytest.fail(str(error), pytrace=False)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
