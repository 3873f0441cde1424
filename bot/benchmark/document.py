"""The load benchmark's section of docs/benchmark.md (its own section: the parse-latency
figures above it are kept) and the machine it ran on."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Optional

from bot.benchmark.figures import (
    Setup,
    long_table,
    memory_table,
    ratios_table,
    results_table,
    targets,
    targets_table,
)

SECTION_TITLE = "## Load"


def _first_line(command: list[str]) -> str:
    binary = shutil.which(command[0]) or next(
        (p for p in (f"/usr/sbin/{command[0]}", f"/usr/bin/{command[0]}") if os.access(p, os.X_OK)),
        None,
    )
    if binary is None:
        return "not found"
    try:
        done = subprocess.run([binary, *command[1:]], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gb() -> Optional[float]:
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    except OSError:
        return None
    return int(match.group(1)) * 1024 / 1e9 if match else None


def _postgres_version() -> str:
    from bot.cluster.postgres import PostgresUnavailable, find_binaries

    try:
        return _first_line([str(find_binaries() / "postgres"), "--version"])
    except PostgresUnavailable:
        return "not found"


def machine() -> str:
    """One paragraph: cores, RAM, CPU, OS, Python, Rasa and the servers' versions."""
    memory = _memory_gb()
    versions = ", ".join(
        [
            f"Python {platform.python_version()}",
            f"Rasa {metadata.version('rasa')}",
            _postgres_version(),
            _first_line(["redis-server", "--version"]).split(" sha=")[0],
            _first_line(["nginx", "-v"]),
        ]
    )
    ram = f"{memory:.0f} GB RAM" if memory is not None else "RAM unknown"
    return (
        f"{os.cpu_count()} cores ({_cpu_model()}), {ram}, {platform.system()} "
        f"{platform.release()}; {versions}."
    )


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


@dataclass(frozen=True)
class RunDescription:
    conversations: int
    turns: int
    long_turns: int
    long_conversations: int
    think: float
    languages: Sequence[str]
    minutes: float
    when: str  # UTC
    machine: str
    load_before: str  # 1-minute load average before the run (the machine may be shared)
    load_after: str
    planned: int = 0  # setups the run set out to measure
    running: bool = False  # written between setups: more are to come


def section(setups: Sequence[Setup], run: RunDescription) -> str:
    """The section, as printed and as written into docs/benchmark.md."""
    found = targets(setups, run.conversations)
    base = next((s for s in setups if s.baseline), None)
    training = (
        f" (`rasa init --no-prompt` with its training: {base.training_seconds:.0f} s)"
        if base is not None and base.training_seconds is not None
        else ""
    )
    servers = " and ".join(str(s.servers) for s in setups if not s.baseline) or "no"
    think = "no think time" if run.think <= 0 else f"{run.think:g} s think time"
    lines = [
        SECTION_TITLE,
        "",
        f"`bin/benchmark --load`, {run.when} UTC, {run.minutes:.0f} min. Machine: {run.machine} "
        f"1-minute load average {run.load_before} before the run, {run.load_after} after "
        "(the machine may be shared: other work slows every setup alike, not the ratios).",
        "",
        f"Load: {run.conversations} simulated users at once, each typing {run.turns} turns of "
        "the typed conversations' user side (evaluation/conversations/, "
        f"{'/'.join(run.languages)} in turn; a script too short is continued with the next "
        "of its language) over REST through nginx, each waiting for the whole reply before "
        f"its next message ({think}). "
        "Setups: the cluster (bot/cluster, as `bin/cluster N` runs it: PostgreSQL, Redis, "
        f"the action server, the console, nginx) with {servers} Rasa server(s); "
        + (
            f"the baseline, a vanilla `rasa init` bot{training} served by `rasa run` with "
            "Rasa's SQL tracker store on SQLite and REST, behind the same nginx rules, given "
            "the same messages. "
            if base is not None
            else "no baseline (--skip-baseline). "
        )
        + "Cold start: from starting the processes to the first answer through nginx. "
        + (
            f"Long conversations: {run.long_conversations} more users, one after the other, "
            f"{run.long_turns} turns each, after the load, on one server"
            + (" and on the baseline." if base is not None else ".")
            if run.long_conversations > 0
            else "No long conversations."
        ),
        "",
        "### Targets (reported, not asserted)",
        "",
        targets_table(found),
        "",
        "### Throughput and latency per turn",
        "",
        results_table(setups),
        "",
        "### Ratios",
        "",
        ratios_table(setups),
        "",
        "### Long conversations",
        "",
        long_table(setups),
        "",
        "### Peak memory",
        "",
        "Resident set per process, its children included (PostgreSQL's backends; shared "
        "pages counted in each), sampled every 0.5 s, or the process's own high-water mark "
        "(VmHWM: loading the model included) when larger; in parentheses the largest sample "
        "once the setup answered (under load). PostgreSQL and Redis serve both cluster "
        "setups in turn.",
        "",
        memory_table(setups),
        "",
        "Re-run: `bin/benchmark --load` (`--conversations K --turns T --servers 1,2 "
        "--skip-baseline --output FILE`; `--help` for the rest).",
    ]
    notes = [f"Not measured: {s.name}: {s.failure}." for s in setups if s.failure]
    if len(setups) < run.planned:
        state = "still running" if run.running else "stopped early"
        notes.append(f"Incomplete run ({state}): {len(setups)} of {run.planned} setups measured.")
    if notes:
        lines[-1:-1] = [*notes, ""]
    return "\n".join(lines) + "\n"
