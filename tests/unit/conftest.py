"""Unit tests need no trained model, start no server and spawn no process: they run in the
fast stage of bin/test, before training. A test that needs more belongs in tests/integration
(databases, PostgreSQL, HTTP fakes) or tests/e2e (real servers, the browser, the model)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest


@pytest.fixture(scope="session")
def trained_model() -> Path:
    pytest.fail("this test needs the model: move it to tests/e2e", pytrace=False)


def _refuse(what: str) -> object:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        pytest.fail(
            f"unit tests {what}: move this test to tests/integration or tests/e2e",
            pytrace=False,
        )

    return refuse


@pytest.fixture(autouse=True)
def no_servers_or_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Listening is what every server does; a subprocess is how the real servers start.
    monkeypatch.setattr(socket.socket, "listen", _refuse("start no server"))
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("spawn no process"))
