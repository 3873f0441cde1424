"""Starts the real action server and Rasa server on free loopback ports, each run with its
own state folder (keys), SQLite databases and logs in a work folder: for the typed-
conversation evaluation and the end-to-end tests (tests/support/servers.py wraps this)."""

from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Mapping

from bot.servers import launch

RASA = str(Path(sys.executable).parent / "rasa")
START_TIMEOUT_SECONDS = 240
_SECRETS = frozenset({"VM_API_TOKEN", "VM_ACTION_SECRET"})  # on RunningServers by name


class ServersFailed(RuntimeError):
    """A server exited or did not answer in time; the message holds the end of its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServers:
    url: str  # the Rasa server: REST channel and API
    logs: list[Path]
    work: Path
    env: dict[str, str] = field(default_factory=dict)  # VM_STATE_DIR, DATABASE_URL, ...
    api_token: str = field(default="", repr=False)  # the API's ?token=
    actions_url: str = ""  # the action server's base address
    action_secret: str = field(default="", repr=False)  # its Authorization: Bearer secret
    console_url: str = ""  # the advisors' console, when it was asked for


@contextmanager
def running_servers(
    model: Path,
    work: Path,
    credentials: Path | None = None,
    env: Mapping[str, str] | None = None,
    console: bool = False,
) -> Iterator[RunningServers]:
    """Both servers with their own state folder, SQLite databases and logs under `work`,
    started as bin/run starts them (bot/servers/launch.py) and with the REST channel on;
    `env` adds to the environment (channel secrets, fake API addresses, DATABASE_URL);
    `console`: the advisors' console runs too."""
    rasa_port, actions_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        launch.endpoints_yaml(
            launch.actions_url("127.0.0.1", actions_port), work / "conversations.db"
        )
    )
    plan = launch.plan(
        model=model,
        endpoints=endpoints,
        rasa_port=rasa_port,
        actions_port=actions_port,
        credentials=credentials,
        env={
            "VM_STATE_DIR": str(work / "state"),
            "DATABASE_URL": f"sqlite:///{work / 'veilig-melden.db'}",
            "VM_REST_ENABLED": "1",
            **(env or {}),
        },
        console_port=free_port() if console else None,
    )
    logs = [work / f"{server.name}.log" for server in plan.servers]
    outputs: list[IO[str]] = [log.open("w") for log in logs]
    processes: list[subprocess.Popen] = []
    try:
        processes = launch.start(plan, outputs)
        try:
            launch.wait_until_up(plan, processes, START_TIMEOUT_SECONDS)
        except launch.NotUp as failure:
            if failure.exited is not None:
                log = logs[failure.exited]
                raise ServersFailed(f"server exited early:\n{log.read_text()[-3000:]}") from None
            raise ServersFailed(
                "the servers did not come up:\n" + "\n".join(p.read_text()[-2000:] for p in logs)
            ) from None
        secret = plan.actions.env["VM_ACTION_SECRET"]
        yield RunningServers(
            url=plan.url,
            logs=logs,
            work=work,
            env={k: v for k, v in plan.rasa.env.items() if k not in _SECRETS},
            api_token=plan.api_token.value,
            actions_url=f"http://127.0.0.1:{actions_port}",
            action_secret=secret,
            console_url=plan.console_url or "",
        )
    finally:
        launch.stop(processes)
        for output in outputs:
            output.close()
