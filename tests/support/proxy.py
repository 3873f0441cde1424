"""nginx on loopback in front of the real Rasa server, with the project's own location
rules (deploy/nginx/veilig-melden-locations.conf), as a site runs it; the configuration is
bin/cluster's (bot/cluster/proxy.py) with one server."""

from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from bot.cluster.proxy import LOCATIONS, config, nginx_binary, start

__all__ = ["LOCATIONS", "nginx_binary", "running_proxy", "wait_for_proxy"]


def wait_for_proxy(url: str, process: subprocess.Popen, work: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            requests.get(f"{url}/", timeout=2)
            return
        except requests.ConnectionError:
            assert process.poll() is None, (work / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)


@contextmanager
def running_proxy(binary: str, work: Path, port: int, upstream: str) -> Iterator[str]:
    """nginx listening on 127.0.0.1:`port`, forwarding to `upstream` (host:port); yields
    its base URL."""
    try:
        process = start(binary, work, config(work, port, [upstream]))
    except RuntimeError as error:
        raise AssertionError(str(error)) from None
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_proxy(url, process, work)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
