"""Starts the real action server and Rasa server on free loopback ports, for end-to-end
tests of every channel."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import pytest
import requests

from tests.support import ROOT

RASA = str(Path(sys.executable).parent / "rasa")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Servers:
    url: str
    logs: list[Path]
    work: Path
    env: dict[str, str] = field(default_factory=dict)

    def say(self, sender: str, text: str, **extra: object) -> list[dict]:
        reply = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, **extra},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def tracker(self, sender: str) -> dict:
        return requests.get(f"{self.url}/conversations/{sender}/tracker", timeout=30).json()

    def slot(self, sender: str, name: str) -> object:
        return self.tracker(sender)["slots"].get(name)

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


def _wait_until_up(url: str, processes: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"{url} did not come up:\n" + "\n".join(p.read_text()[-2000:] for p in logs))


@contextmanager
def running_servers(
    model: Path,
    work: Path,
    credentials: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Servers]:
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
    full_env = {
        **os.environ,
        "VM_STATE_DIR": str(work / "state"),
        "DATABASE_URL": f"sqlite:///{work / 'veilig-melden.db'}",
        "RASA_TELEMETRY_ENABLED": "false",
        **(env or {}),
    }
    logs = [work / "actions.log", work / "rasa.log"]
    commands = [
        [RASA, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        [RASA, "run", "--interface", "127.0.0.1", "--port", str(rasa_port), "--enable-api",
         "--model", str(model), "--endpoints", str(endpoints),
         "--credentials", str(credentials or ROOT / "credentials.yml")],
    ]  # fmt: skip
    processes = [
        subprocess.Popen(
            cmd, cwd=ROOT, env=full_env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        for cmd, log in zip(commands, logs, strict=True)
    ]
    try:
        _wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes, logs)
        _wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes, logs)
        yield Servers(url=f"http://127.0.0.1:{rasa_port}", logs=logs, work=work, env=full_env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
