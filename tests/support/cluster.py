"""The cluster in tests: a PostgreSQL and a Redis of the test's own, two Rasa servers, the
action server and the console, nginx in front, all on free loopback ports (the very code
`bin/cluster` runs: bot/cluster/run.py), and the helpers the tests use on it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bot import runtime
from bot.cluster.postgres import LocalPostgres
from bot.cluster.redis import LocalRedis
from bot.cluster.run import Cluster, Ports, Shared, running_cluster
from bot.settings import overridden
from tests.support import postgres as test_postgres
from tests.support import redis as test_redis
from tests.support.postgres import PostgresUnavailable, local_postgres
from tests.support.redis import local_redis
from tests.support.relay import Relay
from tests.support.servers import free_port

CONVERSATIONS = "veilig_melden_conversations"


@dataclass
class RunningCluster:
    cluster: Cluster
    shared: Shared
    database_server: LocalPostgres
    redis_server: LocalRedis
    relay: Relay | None = None  # between the Rasa servers and the action server, if asked

    @property
    def url(self) -> str:
        return self.cluster.url

    def say(self, sender: str, text: str, url: str | None = None) -> list[dict[str, Any]]:
        """A REST message, through nginx unless `url` names one Rasa server."""
        reply = requests.post(
            f"{url or self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        assert reply.status_code == 200, reply.status_code
        return reply.json()

    def state(self) -> dict[str, str]:
        """The servers' own state folder, keys and database, for this process to use."""
        names = ("VM_STATE_DIR", "DATABASE_URL", "VM_TRACKER_STORE_URL", "REDIS_URL")
        return {name: self.cluster.env[name] for name in names if self.cluster.env.get(name)}

    @contextmanager
    def as_servers(self) -> Iterator[None]:
        """Within the block, this process's services are the servers' (their keys and
        database): what the console would see."""
        runtime.reset()
        try:
            with overridden(self.state()):
                yield
        finally:
            runtime.reset()

    def sender_id(self, channel: str, address: str) -> str:
        with self.as_servers():
            return runtime.sender_id_for(channel, address)

    def tracker(self, sender_id: str, server: int = 0) -> dict[str, Any]:
        reply = requests.get(
            f"{self.cluster.rasa_urls[server]}/conversations/{sender_id}/tracker",
            params={"token": self.cluster.api_token},
            timeout=30,
        )
        assert reply.status_code == 200, reply.status_code
        return reply.json()

    def restart_postgres(self) -> None:
        """PostgreSQL stopped and started again under the running servers."""
        test_postgres.restart(self.database_server)

    def restart_redis(self) -> None:
        """Redis stopped and started again, empty, under the running servers."""
        test_redis.restart(self.redis_server)

    def log_text(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in self.cluster.logs.values() if p.exists()
        )


def _database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def running_test_cluster(
    model: Path, work: Path, env: Mapping[str, str] | None = None, relay: bool = False
) -> Iterator[RunningCluster]:
    """`env` adds to the servers' environment (a channel's settings); `relay` puts a Relay
    (tests/support/relay.py) between the Rasa servers and the action server."""
    with ExitStack() as stack:
        try:
            database_server = stack.enter_context(local_postgres(databases=(CONVERSATIONS,)))
        except PostgresUnavailable as error:
            pytest.fail(str(error))
        redis_server = stack.enter_context(local_redis())
        database = database_server.url(test_postgres.DATABASE)
        shared = Shared(database, _database(database, CONVERSATIONS), redis_server.url)
        ports = Ports(
            proxy=free_port(),
            console_proxy=free_port(),
            rasa=(free_port(), free_port()),
            actions=free_port(),
            console=free_port(),
        )
        relayed = Relay(ports.actions) if relay else None
        if relayed is not None:
            stack.callback(relayed.close)
        environment = {**(env or {}), "VM_STATE_DIR": str(work / "state")}
        try:
            cluster = stack.enter_context(
                running_cluster(
                    model,
                    work,
                    ports,
                    shared,
                    env=environment,
                    rest=True,
                    actions_via=relayed.port if relayed else None,
                )
            )
        except RuntimeError as error:
            pytest.fail(str(error))
        yield RunningCluster(cluster, shared, database_server, redis_server, relayed)
