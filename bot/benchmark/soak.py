"""The soak's arithmetic and its section of docs/benchmark.md, without servers: each
minute's turns (count, errors, p50 and p95 latency), each process's resident memory at the
end of each minute, and whether memory or latency grew from the early minutes to the late
ones beyond what noise explains (reported, never asserted)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

from bot.benchmark.figures import MB, markdown_table, percentile

SECTION_TITLE = "## Soak"
WARM_UP_MINUTES = 1  # the first minute fills caches and runs code paths for the first time
# Memory "grew" when the last minute's resident set is above the first one after warm-up
# by more than this much and this share (a sample is one moment: Python's allocator and
# PostgreSQL's caches move by tens of MB).
MEMORY_NOISE_BYTES = 40 * MB
MEMORY_NOISE_SHARE = 0.05
# Latency "grew" when the late minutes' p95 is above the early minutes' by more than this.
LATENCY_NOISE_RATIO = 1.25
BAND_MINUTES = 3  # minutes pooled at each end for the latency comparison


@dataclass(frozen=True)
class Sample:
    started: float  # seconds from the start of the soak to sending the message
    seconds: float  # from sending the message to the whole reply
    error: Optional[str] = None  # what went wrong, never any text


@dataclass(frozen=True)
class Minute:
    minute: int  # 1-based
    turns: int  # answered
    errors: int
    p50: float  # seconds; NaN without answers
    p95: float
    rss: Mapping[str, int]  # process -> bytes, at the end of the minute


def minute_of(sample: Sample) -> int:
    """The 1-based minute a turn belongs to: the one its message was sent in."""
    return int(sample.started // 60) + 1


def minute_figures(minute: int, samples: Sequence[Sample], rss: Mapping[str, int]) -> Minute:
    """The figures of `minute` from every sample so far (those of other minutes ignored)."""
    mine = [s for s in samples if minute_of(s) == minute]
    answered = [s.seconds for s in mine if s.error is None]
    return Minute(
        minute=minute,
        turns=len(answered),
        errors=len(mine) - len(answered),
        p50=percentile(answered, 50),
        p95=percentile(answered, 95),
        rss=dict(rss),
    )


@dataclass(frozen=True)
class Growth:
    what: str  # a process name, or "p95 latency"
    early: float  # bytes, or seconds
    late: float
    grew: bool

    @property
    def change(self) -> float:
        return self.late - self.early


def memory_growth(minutes: Sequence[Minute]) -> list[Growth]:
    """Each process: its resident set after the warm-up minute against the last minute."""
    if len(minutes) <= WARM_UP_MINUTES + 1:
        return []
    early, late = minutes[WARM_UP_MINUTES], minutes[-1]
    found = []
    for name in early.rss:
        if name not in late.rss:
            continue
        before, after = early.rss[name], late.rss[name]
        beyond = after - before > max(MEMORY_NOISE_BYTES, MEMORY_NOISE_SHARE * before)
        found.append(Growth(name, float(before), float(after), beyond))
    return found


def latency_growth(samples: Sequence[Sample], minutes: int) -> Optional[Growth]:
    """p95 of the first BAND_MINUTES minutes after the warm-up against the last ones,
    the turns of each band pooled; None when the soak is too short for two bands."""
    first = WARM_UP_MINUTES + 1
    if minutes - first + 1 < 2 * BAND_MINUTES:
        return None

    def band(start: int) -> list[float]:
        return [
            s.seconds
            for s in samples
            if s.error is None and start <= minute_of(s) < start + BAND_MINUTES
        ]

    early, late = band(first), band(minutes - BAND_MINUTES + 1)
    if not early or not late:
        return None
    before, after = percentile(early, 95), percentile(late, 95)
    return Growth("p95 latency", before, after, after > LATENCY_NOISE_RATIO * before)


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value * 1000:.0f}"


def minutes_table(minutes: Sequence[Minute]) -> str:
    names: list[str] = []
    for row in minutes:
        names += [n for n in row.rss if n not in names]
    rows = [
        [
            str(m.minute),
            str(m.turns),
            str(m.errors),
            _ms(m.p50),
            _ms(m.p95),
            *(f"{m.rss[n] / MB:.0f}" if n in m.rss else "–" for n in names),
        ]
        for m in minutes
    ]
    headers = ["minute", "answered", "errors", "p50 ms", "p95 ms", *(f"{n} MB" for n in names)]
    return markdown_table(headers, rows)


def growth_lines(memory: Sequence[Growth], latency: Optional[Growth], last: int) -> list[str]:
    """One line per process and one for latency: before, after, the verdict."""
    lines = []
    for g in memory:
        verdict = "grew beyond noise" if g.grew else "flat (within noise)"
        lines.append(
            f"- {g.what}: {g.early / MB:.0f} MB at minute {WARM_UP_MINUTES + 1}, "
            f"{g.late / MB:.0f} MB at minute {last} ({g.change / MB:+.0f} MB): {verdict}"
        )
    if latency is not None:
        verdict = "grew beyond noise" if latency.grew else "flat (within noise)"
        lines.append(
            f"- p95 latency, minutes {WARM_UP_MINUTES + 1}–{WARM_UP_MINUTES + BAND_MINUTES} "
            f"against minutes {last - BAND_MINUTES + 1}–{last}: {_ms(latency.early)} ms → "
            f"{_ms(latency.late)} ms ({latency.late / latency.early:.2f}×): {verdict}"
        )
    return lines


@dataclass(frozen=True)
class SoakRun:
    minutes: int
    users: int
    think: float
    turns_per_conversation: int
    servers: int
    when: str  # UTC
    machine: str
    load_before: str
    load_after: str
    shared: str  # what else ran on the machine, or ""


def section(run: SoakRun, minutes: Sequence[Minute], samples: Sequence[Sample]) -> str:
    memory, latency = memory_growth(minutes), latency_growth(samples, len(minutes))
    answered = sum(m.turns for m in minutes)
    errors = sum(m.errors for m in minutes)
    shared = f" {run.shared}" if run.shared else ""
    lines = [
        SECTION_TITLE,
        "",
        f"`bin/benchmark --soak {run.minutes}`, {run.when} UTC. Machine: {run.machine} "
        f"1-minute load average {run.load_before} before, {run.load_after} after.{shared}",
        "",
        f"Load: {run.users} simulated users at once over REST through nginx, against the "
        f"cluster with {run.servers} Rasa servers (bot/cluster, PostgreSQL, Redis, the action "
        "server, the console), each typing the typed conversations' user side "
        f"({run.turns_per_conversation} turns a conversation, then a new conversation with "
        f"the next script), {run.think:g} s between a reply and its next message. "
        f"{answered} turns answered, {errors} errors.",
        "",
        "Per minute: the turns sent in it, their latency, and each process's resident set "
        "(its children included) at the minute's end. Growth compares the minute after the "
        f"warm-up (minute {WARM_UP_MINUTES + 1}) with the last: memory beyond "
        f"{MEMORY_NOISE_BYTES / MB:.0f} MB and {MEMORY_NOISE_SHARE:.0%}, p95 latency beyond "
        f"{LATENCY_NOISE_RATIO}× (turns of {BAND_MINUTES} minutes pooled at each end).",
        "",
        minutes_table(minutes),
        "",
        *(
            growth_lines(memory, latency, len(minutes))
            or ["Too short to compare early and late minutes."]
        ),
        "",
        "Re-run: `bin/benchmark --soak [minutes]` (`--soak-users N --soak-think S "
        "--output FILE`; `--help` for the rest).",
    ]
    return "\n".join(lines) + "\n"
