"""The baseline: a vanilla `rasa init` bot (the mood bot Rasa ships, its own default
pipeline and policies), trained here by the venv's Rasa in a folder of its own, served by
`rasa run` with Rasa's SQL tracker store on SQLite and the REST channel on, behind nginx as
the project's servers are. Nothing is downloaded: `rasa init` copies the project files the
Rasa package ships."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import requests

from bot.cluster.run import stop_process
from bot.settings import process_environment

RASA = str(Path(sys.executable).parent / "rasa")
START_TIMEOUT_SECONDS = 300
ENDPOINTS = """# Written by the load benchmark (bot/benchmark/baseline.py): Rasa's own SQL
# tracker store on SQLite; no action server (the mood bot has no custom action).
tracker_store:
  type: SQL
  dialect: sqlite
  db: {db}
"""
CREDENTIALS = "rest:\n"


class BaselineFailed(RuntimeError):
    """`rasa init` or `rasa run` failed; the message holds the end of its log."""


def _tail(path: Path, size: int = 3000) -> str:
    return path.read_text(errors="replace")[-size:] if path.exists() else ""


def _model(folder: Path) -> Optional[Path]:
    models = sorted((folder / "models").glob("*.tar.gz"))
    return models[-1] if models else None


def prepare(folder: Path) -> tuple[Path, Optional[float]]:
    """The trained baseline model in `folder` and the seconds `rasa init --no-prompt`
    (files and training) took; a model already there is used as it is (seconds None)."""
    folder.mkdir(parents=True, exist_ok=True)
    found = _model(folder)
    seconds = None
    if found is None:
        log = folder / "init.log"
        start = time.perf_counter()
        with log.open("w") as output:
            result = subprocess.run(
                [RASA, "init", "--no-prompt", "--init-dir", str(folder)],
                cwd=folder,
                env=process_environment({"RASA_TELEMETRY_ENABLED": "false"}),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        seconds = time.perf_counter() - start
        found = _model(folder)
        if result.returncode != 0 or found is None:
            raise BaselineFailed(f"rasa init failed ({result.returncode}):\n{_tail(log)}")
    (folder / "endpoints.yml").write_text(ENDPOINTS.format(db=folder / "tracker.db"))
    (folder / "credentials.yml").write_text(CREDENTIALS)
    return found, seconds


@dataclass
class RunningBaseline:
    url: str  # the Rasa server itself
    process: subprocess.Popen


@contextmanager
def running_baseline(folder: Path, model: Path, port: int) -> Iterator[RunningBaseline]:
    """`rasa run` on 127.0.0.1:`port` until the block ends; yields once it answers /."""
    log = folder / "rasa.log"
    command = [RASA, "run", "--model", str(model), "--endpoints", str(folder / "endpoints.yml"),
               "--credentials", str(folder / "credentials.yml"),
               "--interface", "127.0.0.1", "--port", str(port)]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=process_environment({"RASA_TELEMETRY_ENABLED": "false"}),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            _wait(process, url, log)
            yield RunningBaseline(url, process)
        finally:
            stop_process(process, timeout=30)


def _wait(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BaselineFailed(f"rasa run exited ({process.returncode}):\n{_tail(log)}")
        try:
            if requests.get(url + "/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise BaselineFailed(f"rasa run did not answer in time:\n{_tail(log)}")
