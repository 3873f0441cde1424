"""Starts the real action server and Rasa server on free loopback ports, for end-to-end
tests of every channel. The starting itself is bot.evaluation.servers (bin/evaluate uses it
too); here the servers get the tests' helpers and a start failure fails the test."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

import pytest
import requests

from bot import runtime
from bot.evaluation import servers as launch
from bot.evaluation.servers import RASA, RunningServers, ServersFailed, free_port
from bot.pseudonym import is_sender_id
from bot.settings import overridden
from tests.support import ROOT

__all__ = ["RASA", "ROOT", "Servers", "free_port", "running_servers"]


@dataclass
class Servers(RunningServers):
    def say(self, sender: str, text: str, **extra: object) -> list[dict]:
        reply = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, **extra},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def api(
        self, method: str, path: str, json: object = None, timeout: float = 30, **params: str
    ) -> requests.Response:
        """A call to the Rasa HTTP API with its token (`?token=`)."""
        return requests.request(
            method,
            f"{self.url}{path}",
            params={**params, "token": self.api_token},
            json=json,
            timeout=timeout,
        )

    def sender_id(self, address: str, channel: str = "rest") -> str:
        """The id Rasa keeps the conversation of `address` on `channel` under (REST: the
        `sender` given to `say`), from the servers' own pseudonym key; an id as it is."""
        if is_sender_id(address):
            return address
        keys = {k: self.env[k] for k in ("VM_STATE_DIR", "VM_PSEUDONYM_KEY") if self.env.get(k)}
        runtime.reset()
        try:
            with overridden(keys):
                return runtime.sender_id_for(channel, address)
        finally:
            runtime.reset()

    def tracker(self, sender: str, channel: str = "rest") -> dict:
        """The conversation of `sender` on `channel` (by default a REST `sender`)."""
        reply = self.api("GET", f"/conversations/{self.sender_id(sender, channel)}/tracker")
        assert reply.status_code == 200, reply.status_code
        return reply.json()

    def slot(self, sender: str, name: str, channel: str = "rest") -> object:
        return self.tracker(sender, channel)["slots"].get(name)

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


@contextmanager
def running_servers(
    model: Path,
    work: Path,
    credentials: Path | None = None,
    env: Mapping[str, str] | None = None,
    console: bool = False,
) -> Iterator[Servers]:
    """Both servers with their own state folder, SQLite databases and logs under `work`;
    `env` adds to the environment (channel secrets, fake API addresses, DATABASE_URL)."""
    with ExitStack() as stack:
        try:
            running = stack.enter_context(
                launch.running_servers(model, work, credentials, env, console)
            )
        except ServersFailed as error:
            pytest.fail(str(error))
        yield Servers(**vars(running))
