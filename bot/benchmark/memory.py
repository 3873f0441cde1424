"""Peak memory of named processes, from /proc (Linux): a thread samples each process's
resident set with that of all its descendants (PostgreSQL's backends, say) every half
second; a process's own peak is also read from the kernel's high-water mark (VmHWM), which
catches a peak between samples or before sampling began (loading the model). Peak = the
larger of the two; the largest sample alone is kept too (the servers once up, under load).
The last sample is kept with its private part (RssAnon): what a leak would grow, where the
resident set also counts shared memory once per process (PostgreSQL's shared buffers, in
every backend that touched them) and mapped files."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Optional

PROC = Path("/proc")
INTERVAL_SECONDS = 0.5


def _status_fields(pid: int, *fields: str) -> dict[str, int]:
    """`kB` lines of /proc/<pid>/status in bytes (those found; none when the process is
    gone)."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return {}
    found: dict[str, int] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            found[name] = int(value.split()[0]) * 1024
    return found


def _status_bytes(pid: int, field: str) -> Optional[int]:
    """A `kB` line of /proc/<pid>/status in bytes; None when the process is gone."""
    return _status_fields(pid, field).get(field)


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process."""
    found: dict[int, int] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = (PROC / entry.name / "stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) is in parentheses and may hold spaces.
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = int(fields[1])
    return found


def tree(root: int, parents: dict[int, int]) -> set[int]:
    """`root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


class MemorySampler:
    """with MemorySampler() as memory: memory.watch("rasa-1", pid) ...; memory.peaks()."""

    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._roots: dict[str, int] = {}
        self._peaks: dict[str, int] = {}
        self._sampled: dict[str, int] = {}
        self._latest: dict[str, int] = {}
        self._private: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="memory-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=10)

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self._roots[name] = pid
        self.sample()

    def sample(self) -> None:
        with self._lock:
            roots = dict(self._roots)
        if not roots:
            return
        parents = _parents()
        for name, root in roots.items():
            status = [_status_fields(pid, "VmRSS", "RssAnon") for pid in tree(root, parents)]
            total = sum(fields.get("VmRSS", 0) for fields in status)
            private = sum(fields.get("RssAnon", 0) for fields in status)
            own_peak = _status_bytes(root, "VmHWM") or 0
            with self._lock:
                self._latest[name] = total
                self._private[name] = private
                self._sampled[name] = max(self._sampled.get(name, 0), total)
                self._peaks[name] = max(self._peaks.get(name, 0), total, own_peak)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def peaks(self) -> dict[str, int]:
        """Bytes per watched process name: the peak, start-up included."""
        with self._lock:
            return dict(self._peaks)

    def latest(self) -> dict[str, int]:
        """Bytes per watched process name: the last sample (the soak's memory over time)."""
        with self._lock:
            return dict(self._latest)

    def latest_private(self) -> dict[str, int]:
        """Bytes per watched process name: the last sample's private part (RssAnon)."""
        with self._lock:
            return dict(self._private)

    def sampled(self) -> dict[str, int]:
        """Bytes per watched process name: the largest sample since it was watched (for
        the servers: once they answered, under load)."""
        with self._lock:
            return dict(self._sampled)
