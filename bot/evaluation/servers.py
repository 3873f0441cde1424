"""Starts the real action server and Rasa server on free loopback ports, each run with its
own state folder (keys), SQLite databases and logs in a work folder: for the typed-
conversation evaluation and the end-to-end tests (tests/support/servers.py wraps this)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Mapping

import requests

from bot.settings import PROJECT_ROOT, process_environment

RASA = str(Path(sys.executable).parent / "rasa")
START_TIMEOUT_SECONDS = 240


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


def _wait_until_up(url: str, processes: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                raise ServersFailed(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise ServersFailed(
        f"{url} did not come up:\n" + "\n".join(p.read_text()[-2000:] for p in logs)
    )


@contextmanager
def running_servers(
    model: Path,
    work: Path,
    credentials: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[RunningServers]:
    """Both servers with their own state folder, SQLite databases and logs under `work`;
    `env` adds to the environment (channel secrets, fake API addresses, DATABASE_URL)."""
    rasa_port, actions_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        "nlg:\n  type: bot.content.nlg.ContentNLG\n"
        "tracker_store:\n  type: bot.tracker_store.EncryptedSQLTrackerStore\n"
        f"  dialect: sqlite\n  db: {work / 'conversations.db'}\n"
    )
    full_env = process_environment(
        {
            "VM_STATE_DIR": str(work / "state"),
            "DATABASE_URL": f"sqlite:///{work / 'veilig-melden.db'}",
            "RASA_TELEMETRY_ENABLED": "false",
            **(env or {}),
        }
    )
    logs = [work / "actions.log", work / "rasa.log"]
    commands = [
        [RASA, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        [RASA, "run", "--interface", "127.0.0.1", "--port", str(rasa_port), "--enable-api",
         "--model", str(model), "--endpoints", str(endpoints),
         "--credentials", str(credentials or PROJECT_ROOT / "credentials.yml")],
    ]  # fmt: skip
    outputs: list[IO[str]] = []
    processes: list[subprocess.Popen] = []
    try:
        for command, log in zip(commands, logs, strict=True):
            outputs.append(log.open("w"))
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    env=full_env,
                    stdout=outputs[-1],
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes, logs)
        _wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes, logs)
        yield RunningServers(
            url=f"http://127.0.0.1:{rasa_port}", logs=logs, work=work, env=full_env
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for output in outputs:
            output.close()
