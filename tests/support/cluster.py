"""The cluster in tests: a PostgreSQL and a Redis of the test's own, two Rasa servers, the
action server and the console, nginx in front, all on free loopback ports (the very code
`bin/cluster` runs: bot/cluster/run.py), and the helpers the tests use on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bot import runtime
from bot.cluster.run import Cluster, Ports, Shared, running_cluster
from bot.settings import overridden
from tests.support.postgres import PostgresUnavailable, postgres_server
from tests.support.redis import redis_server
from tests.support.servers import free_port

CONVERSATIONS = "veilig_melden_conversations"


@dataclass
class RunningCluster:
    cluster: Cluster
    shared: Shared

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

    def log_text(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in self.cluster.logs.values() if p.exists()
        )


def _database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def running_test_cluster(model: Path, work: Path) -> Iterator[RunningCluster]:
    with ExitStack() as stack:
        try:
            database = stack.enter_context(postgres_server(databases=(CONVERSATIONS,)))
        except PostgresUnavailable as error:
            pytest.fail(str(error))
        shared = Shared(
            database, _database(database, CONVERSATIONS), stack.enter_context(redis_server())
        )
        ports = Ports(
            proxy=free_port(),
            console_proxy=free_port(),
            rasa=(free_port(), free_port()),
            actions=free_port(),
            console=free_port(),
        )
        env = {"VM_STATE_DIR": str(work / "state")}
        try:
            cluster = stack.enter_context(
                running_cluster(model, work, ports, shared, env=env, rest=True)
            )
        except RuntimeError as error:
            pytest.fail(str(error))
        yield RunningCluster(cluster, shared)
