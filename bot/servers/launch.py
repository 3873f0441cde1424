"""How both servers are started, for bin/run (`python -m bot.servers`), the end-to-end tests
and the evaluation (bot/evaluation/servers.py): the commands, each one's environment, the
endpoints file and the addresses that answer when they are up.

- The Rasa server runs with its HTTP API behind the token (bot/servers/rasa_server.py adds
  `--auth-token` from VM_API_TOKEN) on 127.0.0.1, and Sanic refuses bodies over
  RASA_MAX_BODY_BYTES before reading them.
- The action server (bot/servers/actions.py) runs behind the shared secret, which the Rasa
  server sends from endpoints.yml (`Authorization: Bearer ${VM_ACTION_SECRET}`).
- The console (bot/console), when asked for, reaches the Rasa API with the token; it never
  sees the action server's secret.
- Each process gets only the secret it needs: the action server never sees the API token."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Optional

import requests

from bot.security.logs import LOGGING_CONFIG_FILE
from bot.servers.secrets import Secret, action_secret, api_token
from bot.settings import PROJECT_ROOT, Settings, process_environment

ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
CREDENTIALS = PROJECT_ROOT / "credentials.yml"
# The largest body a channel accepts: REST's 50,000 characters (channels/rest.py) at up to
# 12 bytes each as JSON escapes (an emoji is two \uXXXX escapes) is 600 KB; Telegram 256 KiB,
# Twilio 64 KiB, a web chat packet 100 KB. Sanic's default was 100 MB, read before any
# channel could refuse it. tests/unit/servers/test_launch.py keeps this above every channel's.
RASA_MAX_BODY_BYTES = 1024 * 1024
# Hosts that mean "every interface": the Rasa server reaches the action server on loopback.
_ANY_HOST = frozenset({"", "0.0.0.0", "::"})
_ACTION_URL = re.compile(r'^(\s*url:\s*)"?[^"\n]*/webhook"?\s*$', re.MULTILINE)
_TRACKER_DB = re.compile(r"^(\s*db:\s*).*$", re.MULTILINE)


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str  # answers 200 once the server is up
    ready_params: dict[str, str]  # kept out of ready_url so no message ever shows the token


@dataclass(frozen=True)
class Launch:
    actions: Server
    rasa: Server
    url: str  # the Rasa server: channels and API
    api_token: Secret
    console: Optional[Server] = None  # the advisors' console, when it runs too

    @property
    def servers(self) -> tuple[Server, ...]:
        extra = (self.console,) if self.console is not None else ()
        return (self.actions, self.rasa, *extra)

    @property
    def console_url(self) -> Optional[str]:
        return self.console.ready_url.removesuffix("/login") if self.console else None


def endpoints_yaml(actions_url: str, tracker_db: Path | None = None) -> str:
    """endpoints.yml with the action server at `actions_url` and, when given, the tracker
    store's SQLite file at `tracker_db` (everything else, the secret's header included, as
    the project's file has it)."""
    text = ENDPOINTS.read_text()
    text, found = _ACTION_URL.subn(lambda m: f'{m.group(1)}"{actions_url}"', text, count=1)
    if not found:
        raise ValueError(f"{ENDPOINTS} has no action_endpoint url")
    if tracker_db is not None:
        text = _TRACKER_DB.sub(lambda m: f"{m.group(1)}{tracker_db}", text, count=1)
    return text


def actions_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in _ANY_HOST else host}:{port}/webhook"


def plan(
    *,
    model: Path,
    endpoints: Path,
    rasa_port: int,
    actions_port: int,
    credentials: Path | None = None,
    env: Mapping[str, str] | None = None,
    console_port: int | None = None,
) -> Launch:
    """Both servers' commands and environments; `env` adds to this process's environment
    (the state folder, the database, channel secrets). The token and the secret are read or
    made in the state folder the servers will use."""
    base = process_environment({"RASA_TELEMETRY_ENABLED": "false", **(env or {})})
    values = Settings(base)
    token, secret = api_token(values), action_secret(values)
    python = sys.executable
    actions_env = {**base, "VM_ACTION_SECRET": secret.value}
    actions_env.pop("VM_API_TOKEN", None)  # the action server has no use for the API token
    rasa_env = {
        **base,
        "VM_API_TOKEN": token.value,
        "VM_ACTION_SECRET": secret.value,  # endpoints.yml sends it to the action server
        "SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_BODY_BYTES),
        "COMPRESS_ACTION_SERVER_REQUEST": "false",  # the action server refuses compression
    }
    actions = Server(
        name="actions",
        command=[
            python,
            "-m",
            "bot.servers.actions",
            "--port",
            str(actions_port),
            "--endpoints",
            str(endpoints),
        ],  # fmt: skip
        env=actions_env,
        ready_url=f"http://{_connect_host(values.actions_host)}:{actions_port}/health",
        ready_params={},
    )
    url = f"http://127.0.0.1:{rasa_port}"
    rasa = Server(
        name="rasa",
        command=[python, "-m", "bot.servers.rasa_server", "run",
                 "--interface", "127.0.0.1", "--port", str(rasa_port), "--enable-api",
                 "--model", str(model), "--endpoints", str(endpoints),
                 "--credentials", str(credentials or CREDENTIALS),
                 "--logging-config-file", str(LOGGING_CONFIG_FILE)],
        env=rasa_env,
        ready_url=f"{url}/status",
        ready_params={"token": token.value},
    )  # fmt: skip
    console = None
    if console_port is not None:
        console_env = {**base, "VM_API_TOKEN": token.value, "VM_RASA_URL": url}
        console_env.pop("VM_ACTION_SECRET", None)
        console = Server(
            name="console",
            command=[python, "-m", "bot.console", "--port", str(console_port)],
            env=console_env,
            ready_url=f"http://{_connect_host(values.console_host)}:{console_port}/login",
            ready_params={},
        )
    return Launch(actions=actions, rasa=rasa, url=url, api_token=token, console=console)


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in _ANY_HOST else host


def start(launch: Launch, outputs: Sequence[IO[str] | None]) -> list[subprocess.Popen]:
    """Both processes, in the checkout, each writing to its output (None: this terminal)."""
    return start_servers(launch.servers, outputs)


def start_servers(
    servers: Sequence[Server], outputs: Sequence[IO[str] | None]
) -> list[subprocess.Popen]:
    """Each server's process (bin/cluster starts several Rasa servers)."""
    processes: list[subprocess.Popen] = []
    for server, output in zip(servers, outputs, strict=True):
        processes.append(
            subprocess.Popen(
                server.command,
                cwd=PROJECT_ROOT,
                env=server.env,
                stdout=output,
                stderr=subprocess.STDOUT if output is not None else None,
            )
        )
    return processes


class NotUp(RuntimeError):
    """A server exited (`exited` is its index) or did not answer in time (None)."""

    def __init__(self, exited: int | None) -> None:
        super().__init__("a server exited early" if exited is not None else "not up in time")
        self.exited = exited


def wait_until_up(
    launch: Launch, processes: Sequence[subprocess.Popen], timeout_seconds: float
) -> None:
    """Returns when both answer; raises NotUp when one exits first or time runs out."""
    wait_for_servers(launch.servers, processes, timeout_seconds)


def wait_for_servers(
    servers: Sequence[Server], processes: Sequence[subprocess.Popen], timeout_seconds: float
) -> None:
    """Returns when every server answers; raises NotUp when one exits first or time runs
    out."""
    deadline = time.monotonic() + timeout_seconds
    for server in servers:
        while True:
            for index, process in enumerate(processes):
                if process.poll() is not None:
                    raise NotUp(index)
            try:
                reply = requests.get(server.ready_url, params=server.ready_params, timeout=2)
                if reply.status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise NotUp(None)
            time.sleep(1)


def stop(processes: Sequence[subprocess.Popen], timeout_seconds: float = 30) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
