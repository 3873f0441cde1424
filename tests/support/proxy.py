"""nginx on loopback in front of the real Rasa server, with the project's own location
rules (deploy/nginx/veilig-melden-locations.conf), as a site runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from tests.support import ROOT

LOCATIONS = ROOT / "deploy" / "nginx" / "veilig-melden-locations.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def _config(work: Path, port: int, upstream: str) -> str:
    temp = {name: work / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(exist_ok=True)
    # Run as root (as in CI), the workers would otherwise be `nobody`, who cannot enter
    # pytest's owner-only temporary folders.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    upstream veilig_melden {{ server {upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        include {LOCATIONS};
    }}
}}
"""


@contextmanager
def running_proxy(binary: str, work: Path, port: int, upstream: str) -> Iterator[str]:
    """nginx listening on 127.0.0.1:`port`, forwarding to `upstream` (host:port); yields
    its base URL."""
    config = work / "nginx.conf"
    config.write_text(_config(work, port, upstream), encoding="utf-8")
    check = subprocess.run(
        [binary, "-t", "-p", str(work), "-c", str(config)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [binary, "-p", str(work), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(f"{url}/", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (work / "error.log").read_text()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
