"""The production shape on one machine, given a PostgreSQL and a Redis: N Rasa servers, the
action server and the console, started as `python -m bot.servers` starts one of each
(bot/servers/launch.py), all configured from their environment as a deployment's would
be (DATABASE_URL, VM_TRACKER_STORE_URL, REDIS_URL), and nginx in front of them with the
project's own rules. `bin/cluster` (bot/cluster/__main__.py) and the cluster tests
(tests/e2e/test_cluster.py) run it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from bot.cluster import proxy
from bot.servers import launch
from bot.servers.launch import Server

START_TIMEOUT_SECONDS = 300
# Kept out of Cluster.env, which tests and banners may show.
_SECRETS = frozenset({"VM_API_TOKEN", "VM_ACTION_SECRET"})


@dataclass(frozen=True)
class Ports:
    proxy: int  # channels and web chat, through nginx
    console_proxy: int  # the console, through nginx
    rasa: tuple[int, ...]  # one per Rasa server, loopback only
    actions: int
    console: int


@dataclass(frozen=True)
class Shared:
    """Where the servers keep what they share: the environment of a real deployment."""

    database_url: str  # DATABASE_URL
    tracker_store_url: str  # VM_TRACKER_STORE_URL
    redis_url: str  # REDIS_URL

    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "VM_TRACKER_STORE_URL": self.tracker_store_url,
            "REDIS_URL": self.redis_url,
        }


@dataclass
class Cluster:
    url: str  # nginx: the webhooks, /webchat/, /socket.io/ (and REST, when it is on)
    console_url: str  # nginx: the console
    rasa_urls: list[str]  # each Rasa server, straight (its API needs the token)
    processes: dict[str, subprocess.Popen] = field(repr=False)
    logs: dict[str, Path]
    env: dict[str, str]  # what the Rasa servers were given, but the API token and secret
    api_token: str = field(default="", repr=False)
    # Each server's command and environment (with its secret), to start it again.
    servers: dict[str, Server] = field(default_factory=dict, repr=False)

    def kill(self, name: str) -> None:
        """SIGKILL to one process ('rasa-2'), as a crash would end it."""
        process = self.processes[name]
        process.kill()
        process.wait(timeout=30)

    def restart(self, name: str) -> None:
        """Starts a server that has ended ('actions', after `kill`) again, as a supervisor
        would: the same command, environment and port, its log continued. Returns once it
        answers."""
        server = self.servers[name]
        if self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        with self.logs[name].open("a") as log:
            (process,) = launch.start_servers([server], [log])
        self.processes[name] = process  # stopped with the others at the end
        launch.wait_for_servers([server], [process], START_TIMEOUT_SECONDS)


def servers(
    model: Path, endpoints: Path, ports: Ports, env: Mapping[str, str], credentials: Path | None
) -> list[Server]:
    """The action server, the Rasa servers ('rasa-1', ...) and the console, with their
    commands and environments as launch.plan makes them for one of each."""
    plans = [
        launch.plan(
            model=model,
            endpoints=endpoints,
            rasa_port=port,
            actions_port=ports.actions,
            credentials=credentials,
            env=env,
            console_port=ports.console,
        )
        for port in ports.rasa
    ]
    rasa = [replace(p.rasa, name=f"rasa-{i}") for i, p in enumerate(plans, start=1)]
    first = plans[0]
    assert first.console is not None
    # The console tries each Rasa server's API in turn (bot/console/assistant.py).
    console_env = {**first.console.env, "VM_RASA_URL": ",".join(p.url for p in plans)}
    return [first.actions, *rasa, replace(first.console, env=console_env)]


@contextmanager
def running_cluster(
    model: Path,
    work: Path,
    ports: Ports,
    shared: Shared,
    env: Mapping[str, str] | None = None,
    credentials: Path | None = None,
    rest: bool = False,
    actions_via: int | None = None,
) -> Iterator[Cluster]:
    """Everything up (or an exception naming what did not start, with its log's end), then
    stopped in order: nginx, the servers. `work` holds the endpoints file, the logs and
    nginx's files; `env` adds to the environment (VM_STATE_DIR, VM_REST_ENABLED, ...);
    `actions_via` is the loopback port the Rasa servers call the action server on when
    something stands between them (the fault tests' relay), else they call its own."""
    binary = proxy.nginx_binary()
    if binary is None:
        raise RuntimeError(proxy.INSTALL_HINT)
    from bot import db

    db.upgrade(shared.database_url)  # once, before N processes would find it to do
    endpoints = work / "endpoints.yml"
    called = actions_via or ports.actions
    endpoints.write_text(launch.endpoints_yaml(launch.actions_url("127.0.0.1", called)))
    # Loopback whatever the environment says: nginx is the only way in.
    loopback = {"VM_ACTIONS_HOST": "127.0.0.1", "VM_CONSOLE_HOST": "127.0.0.1"}
    environment = {**(env or {}), **shared.env(), **loopback}
    if rest:
        environment["VM_REST_ENABLED"] = "1"
    planned = servers(model, endpoints, ports, environment, credentials)
    logs_dir = work / "logs"
    logs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    logs = {server.name: logs_dir / f"{server.name}.log" for server in planned}
    with ExitStack() as stack:
        outputs: list[IO[str]] = [stack.enter_context(logs[s.name].open("w")) for s in planned]
        # By name, as Cluster.restart replaces them: the ones running at the end are stopped.
        by_name: dict[str, subprocess.Popen] = {}
        stack.callback(lambda: launch.stop([by_name[s.name] for s in planned if s.name in by_name]))
        processes = launch.start_servers(planned, outputs)
        by_name.update((s.name, p) for s, p in zip(planned, processes, strict=True))
        rasa_urls = [f"http://127.0.0.1:{port}" for port in ports.rasa]
        # nginx now, so a configuration it refuses shows before the models have loaded.
        nginx = proxy.start(
            binary,
            work / "nginx",
            proxy.config(
                work / "nginx",
                ports.proxy,
                [url.removeprefix("http://") for url in rasa_urls],
                ports.console_proxy,
                f"127.0.0.1:{ports.console}",
                rest=rest,
            ),
        )
        stack.callback(lambda: stop_process(nginx))  # first out: no new requests
        try:
            launch.wait_for_servers(planned, processes, START_TIMEOUT_SECONDS)
        except launch.NotUp as failure:
            raise RuntimeError(_not_up(planned, logs, failure)) from None
        rasa_env = next(s.env for s in planned if s.name == "rasa-1")
        by_name["nginx"] = nginx
        yield Cluster(
            url=f"http://127.0.0.1:{ports.proxy}",
            console_url=f"http://127.0.0.1:{ports.console_proxy}",
            rasa_urls=rasa_urls,
            processes=by_name,
            logs={**logs, "nginx": work / "nginx" / "error.log"},
            env={k: v for k, v in rasa_env.items() if k not in _SECRETS},
            api_token=rasa_env["VM_API_TOKEN"],
            servers={server.name: server for server in planned},
        )


def _not_up(planned: Sequence[Server], logs: Mapping[str, Path], failure: launch.NotUp) -> str:
    if failure.exited is not None:
        name = planned[failure.exited].name
        return f"{name} exited early:\n{logs[name].read_text(errors='replace')[-3000:]}"
    tails = "\n".join(
        f"--- {name}\n{path.read_text(errors='replace')[-1500:]}" for name, path in logs.items()
    )
    return f"the servers did not come up in time:\n{tails}"


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
