"""nginx on loopback in front of the cluster, with the project's own location rules
(deploy/nginx/veilig-melden-locations.conf for the channels and the web chat,
deploy/nginx/veilig-melden-console-locations.conf for the console), as a site runs them:
the Rasa API and the action server are not behind it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from bot.settings import PROJECT_ROOT

NGINX = PROJECT_ROOT / "deploy" / "nginx"
LOCATIONS = NGINX / "veilig-melden-locations.conf"
LIMITS = NGINX / "veilig-melden-limits.conf"
CONSOLE_LOCATIONS = NGINX / "veilig-melden-console-locations.conf"
INSTALL_HINT = "nginx was not found. Install it: `apt-get install nginx` (.ci/run installs it)."
LUA_HINT = (
    "nginx's Lua module was not found (the per-sender limit needs it). Install it:"
    " `apt-get install libnginx-mod-http-lua` (.ci/run installs it)."
)
# Where distributions put nginx's dynamic modules; the Lua module needs the NDK first.
MODULE_FOLDERS = ("/usr/lib/nginx/modules", "/usr/share/nginx/modules", "/usr/lib64/nginx/modules")
LUA_MODULES = ("ndk_http_module.so", "ngx_http_lua_module.so")
_TEMP = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> Optional[str]:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def lua_modules() -> list[Path]:
    """The Lua module's files (and the NDK's) to load; raises RuntimeError when missing."""
    for folder in map(Path, MODULE_FOLDERS):
        files = [folder / name for name in LUA_MODULES]
        if all(f.is_file() for f in files):
            return files
    raise RuntimeError(LUA_HINT)


def _servers(addresses: Sequence[str]) -> str:
    # One failed connection takes a server out for 5 seconds; the request goes to the next.
    return "\n".join(f"        server {a} max_fails=1 fail_timeout=5s;" for a in addresses)


def config(
    work: Path,
    port: int,
    rasa: Sequence[str],
    console_port: Optional[int] = None,
    console: Optional[str] = None,
    rest: bool = False,
) -> str:
    """nginx.conf listening on 127.0.0.1:`port` for the channels (to the Rasa servers at
    `rasa`, host:port each) and on `console_port` for the console at `console`. `rest`: the
    REST channel too, for local use only (as bin/run has it); never in deploy/."""
    work.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = {name: work / name for name in _TEMP}
    for folder in temp.values():
        folder.mkdir(exist_ok=True)
    # Run as root, the workers would otherwise be `nobody`, who cannot enter owner-only
    # folders (the state folder, pytest's temporary folders).
    user = "user root;" if os.geteuid() == 0 else ""
    rest_location = (
        "        location = /webhooks/rest/webhook { proxy_pass http://veilig_melden; }"
        if rest
        else ""
    )
    console_server = ""
    if console_port is not None and console is not None:
        console_server = f"""
    upstream veilig_melden_console {{ server {console}; }}
    server {{
        listen 127.0.0.1:{console_port};
        include {CONSOLE_LOCATIONS};
    }}"""
    modules = "\n".join(f"load_module {module};" for module in lua_modules())
    return f"""
{user}
{modules}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {LIMITS};
    upstream veilig_melden {{
{_servers(rasa)}
    }}
    upstream veilig_melden_sockets {{
        ip_hash;
{_servers(rasa)}
    }}
    server {{
        listen 127.0.0.1:{port};
        include {LOCATIONS};
{rest_location}
    }}{console_server}
}}
"""


def start(binary: str, work: Path, text: str) -> subprocess.Popen[bytes]:
    """Checks the configuration, then runs nginx in the foreground (its errors in
    `work`/error.log); raises RuntimeError with nginx's words when the check fails."""
    work.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = work / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    check = subprocess.run(
        [binary, "-t", "-p", str(work), "-c", str(path)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused its configuration: {check.stderr.strip()}")
    return subprocess.Popen(
        [binary, "-p", str(work), "-c", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
