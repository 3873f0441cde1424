"""The soak's arithmetic and its section of docs/benchmark.md, without servers: each
minute's turns (count, errors, p50 and p95 latency), each process's resident memory at the
end of each minute, and whether memory or latency grew from the early minutes to the late
ones beyond what noise explains (reported, never asserted).

Memory is judged on each process's private part (RssAnon, its children included): what a
leak grows. The resident set also counts shared memory in every process that touched it
(PostgreSQL's shared buffers, once per backend: it rises as backends read more of a growing
database) and mapped files; it is shown, not judged. A process that grew once (a library
loaded on first use) and then stayed is told apart from one still growing in the last half
of the soak."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from bot.benchmark.figures import MB, markdown_table, percentile

SECTION_TITLE = "## Soak"
WARM_UP_MINUTES = 1  # the first minute fills caches and runs code paths for the first time
# Memory grew when the last minute's private memory is above the first one's after the
# warm-up by more than this much and this share (a sample is one moment: Python's allocator
# moves by tens of MB); it is still growing when it grew by more than half that in the
# second half of the soak.
MEMORY_NOISE_BYTES = 40 * MB
MEMORY_NOISE_SHARE = 0.05
FLAT, STEPPED, GROWING = "flat", "grew once, then flat", "still growing"
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
    private: Mapping[str, int] = field(default_factory=dict)  # its private part (RssAnon)


def minute_of(sample: Sample) -> int:
    """The 1-based minute a turn belongs to: the one its message was sent in."""
    return int(sample.started // 60) + 1


def minute_figures(
    minute: int,
    samples: Sequence[Sample],
    rss: Mapping[str, int],
    private: Mapping[str, int] | None = None,
) -> Minute:
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
        private=dict(private or {}),
    )


@dataclass(frozen=True)
class Growth:
    what: str  # a process name, or "p95 latency"
    early: float  # bytes (private memory), or seconds
    late: float
    verdict: str  # FLAT, STEPPED or GROWING
    middle: Optional[float] = None  # private memory half-way through
    rss_early: Optional[float] = None  # resident set, shown beside
    rss_late: Optional[float] = None

    @property
    def change(self) -> float:
        return self.late - self.early

    @property
    def grew(self) -> bool:
        return self.verdict != FLAT


def _noise(value: float) -> float:
    return max(MEMORY_NOISE_BYTES, MEMORY_NOISE_SHARE * value)


def memory_growth(minutes: Sequence[Minute]) -> list[Growth]:
    """Each process: its private memory after the warm-up minute, half-way through the rest
    and in the last minute (the resident set where no private part was sampled)."""
    if len(minutes) <= WARM_UP_MINUTES + 1:
        return []
    early, late = minutes[WARM_UP_MINUTES], minutes[-1]
    middle = minutes[(WARM_UP_MINUTES + len(minutes) - 1) // 2]
    found = []
    for name in early.rss:
        if name not in late.rss:
            continue
        judged = (
            (early.private, middle.private, late.private)
            if all(name in m.private for m in (early, middle, late))
            else (early.rss, middle.rss, late.rss)
        )
        first, half, last = (float(m.get(name, 0)) for m in judged)
        if last - first <= _noise(first):
            verdict = FLAT
        elif last - half <= _noise(first) / 2:
            verdict = STEPPED
        else:
            verdict = GROWING
        found.append(
            Growth(name, first, last, verdict, half, float(early.rss[name]), float(late.rss[name]))
        )
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
    return Growth(
        "p95 latency", before, after, GROWING if after > LATENCY_NOISE_RATIO * before else FLAT
    )


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
    first = WARM_UP_MINUTES + 1
    lines = []
    for g in memory:
        rss = (
            f"; resident {g.rss_early / MB:.0f} → {g.rss_late / MB:.0f} MB"
            if g.rss_early is not None and g.rss_late is not None
            else ""
        )
        half = f", {g.middle / MB:.0f} MB half-way" if g.middle is not None else ""
        lines.append(
            f"- {g.what}: private {g.early / MB:.0f} MB at minute {first}{half}, "
            f"{g.late / MB:.0f} MB at minute {last} ({g.change / MB:+.0f} MB){rss}: {g.verdict}"
        )
    if latency is not None:
        lines.append(
            f"- p95 latency, minutes {first}–{first + BAND_MINUTES - 1} against minutes "
            f"{last - BAND_MINUTES + 1}–{last}: {_ms(latency.early)} ms → "
            f"{_ms(latency.late)} ms ({latency.late / latency.early:.2f}×): {latency.verdict}"
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
        f"warm-up (minute {WARM_UP_MINUTES + 1}) with the last, on private memory (RssAnon: "
        "the resident set also counts shared memory once per process, PostgreSQL's shared "
        "buffers in every backend): beyond "
        f"{MEMORY_NOISE_BYTES / MB:.0f} MB and {MEMORY_NOISE_SHARE:.0%} it grew, and it is "
        "still growing if it grew by more than half that in the second half; p95 latency "
        f"beyond {LATENCY_NOISE_RATIO}× (turns of {BAND_MINUTES} minutes pooled at each end).",
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
