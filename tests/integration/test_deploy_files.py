"""What deploy/ ships for an operations team stays true to what the project runs: the
systemd units start the servers as bin/run and bin/cluster do (bot/servers/launch.py),
each with only its own secrets, and nginx accepts the site files as they are installed."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cluster.proxy import CONSOLE_LOCATIONS, LIMITS, LOCATIONS, lua_modules, nginx_binary
from bot.servers import launch
from tests.support import ROOT
from tests.support.servers import free_port

SYSTEMD = ROOT / "deploy" / "systemd"
NGINX = ROOT / "deploy" / "nginx"


def _unit(name: str) -> dict[str, list[str]]:
    """Key -> values of a unit file, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (SYSTEMD / name).read_text())
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def _arguments(command: list[str]) -> list[str]:
    """The module and the options, without the interpreter and the values that are paths
    or ports (which differ by design)."""
    return [part for part in command[1:] if part.startswith("-") or part.startswith("bot.")]


def _plan(tmp_path: Path) -> launch.Launch:
    return launch.plan(
        model=tmp_path / "model.tar.gz",
        endpoints=tmp_path / "endpoints.yml",
        rasa_port=5005,
        actions_port=5055,
        console_port=5080,
    )


@pytest.mark.parametrize(
    ("unit", "server"),
    [
        ("veilig-melden-rasa@.service", "rasa"),
        ("veilig-melden-actions.service", "actions"),
        ("veilig-melden-console.service", "console"),
    ],
)
def test_each_unit_runs_its_server_as_the_launcher_does(tmp_path: Path, unit: str, server: str):
    planned = getattr(_plan(tmp_path), server)
    values = _unit(unit)
    command = shlex.split(values["ExecStart"][0])
    assert _arguments(command) == _arguments(planned.command)
    environment = dict(value.split("=", 1) for value in values.get("Environment", []))
    for name in ("SANIC_REQUEST_MAX_SIZE", "COMPRESS_ACTION_SERVER_REQUEST"):
        if name in planned.env:
            assert environment.get(name) == planned.env[name], name
    assert environment.get("RASA_TELEMETRY_ENABLED") == "false"


def test_each_process_gets_only_its_own_secrets():
    files = {unit: set(_unit(unit)["EnvironmentFile"]) for unit in (
        "veilig-melden-rasa@.service",
        "veilig-melden-actions.service",
        "veilig-melden-console.service",
    )}  # fmt: skip
    secrets = {
        "rasa.env": {"VM_API_TOKEN", "VM_ACTION_SECRET"},
        "actions.env": {"VM_ACTION_SECRET"},
        "console.env": {"VM_API_TOKEN"},
    }
    for name, expected in secrets.items():
        example = (SYSTEMD / f"{name}.example").read_text()
        assert expected <= set(re.findall(r"^(VM_[A-Z_]+)=", example, re.MULTILINE))
    assert files["veilig-melden-actions.service"].isdisjoint({"/etc/veilig-melden/rasa.env"})
    assert files["veilig-melden-console.service"].isdisjoint(
        {"/etc/veilig-melden/rasa.env", "/etc/veilig-melden/actions.env"}
    )
    common = (SYSTEMD / "common.env.example").read_text()
    assert "VM_API_TOKEN" not in common and "VM_ACTION_SECRET" not in common


def test_nginx_accepts_the_site_files_as_installed(tmp_path: Path):
    binary = nginx_binary()
    assert binary, "this test needs nginx (apt-get install nginx; .ci/run installs it)"
    (tmp_path / "snippets").mkdir()
    for snippet in (LOCATIONS, CONSOLE_LOCATIONS):
        shutil.copy(snippet, tmp_path / "snippets" / snippet.name)
    sites = []
    for site in ("site.conf", "console.conf"):
        # The TLS settings are the site's own: on loopback without them here.
        text = (
            (NGINX / site)
            .read_text()
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{free_port()};")
        )
        (tmp_path / site).write_text(text)
        sites.append(f"include {tmp_path / site};")
    # As Debian's nginx.conf has it: the modules enabled, then conf.d/ and the sites.
    (tmp_path / "conf.d").mkdir()
    shutil.copy(LIMITS, tmp_path / "conf.d" / LIMITS.name)
    modules = " ".join(f"load_module {module};" for module in lua_modules())
    (tmp_path / "nginx.conf").write_text(
        f"{modules}\npid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {tmp_path}/conf.d/*.conf;"
        f" {' '.join(sites)} }}\n"
    )
    check = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
