"""The load benchmark's arithmetic and tables, without servers: percentiles, throughput,
the turn-40 versus turn-2 cost, the ratios to the baseline and between server counts, and
the issue's targets as met / not met (reported, never asserted)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

MB = 1_000_000
# The targets (issue 14, item 4).
BASELINE_THROUGHPUT = 0.9  # one server's messages/s >= 0.9 x the vanilla bot's
LONG_TURN_COST = 1.2  # turn 40's latency <= 1.2 x turn 2's
TWO_SERVERS = 1.3  # two servers' messages/s >= 1.3 x one server's
ERRORS_AT = 50  # no errors with 50 concurrent conversations
RASA_MEMORY_BYTES = 1.2e9  # a Rasa server's peak RSS <= 1.2 GB
COLD_START_SECONDS = 30.0  # start to first answer <= 30 s
EARLY_TURN = 2  # the first turn starts a session (action_session_start): turn 2 is the base
# Turns 2 and 40 are different messages (a greeting, a form's answer): five turns at each end
# (2-6 and 36-40), pooled, say how the cost grows with less of what each message asks.
BAND_TURNS = 5


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), interpolated linearly between the closest ranks (as
    numpy's default); NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError("q is between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Turn:
    user: int  # which simulated user (0-based)
    turn: int  # its turn, 1-based
    seconds: float  # from sending the message to the whole reply
    error: Optional[str] = None  # what went wrong ("HTTP 502", "timeout"), never any text


@dataclass(frozen=True)
class LoadRun:
    turns: tuple[Turn, ...]
    seconds: float  # wall time, first message to last reply

    @property
    def answered(self) -> list[float]:
        return [t.seconds for t in self.turns if t.error is None]

    @property
    def messages(self) -> int:
        return len(self.answered)

    @property
    def errors(self) -> int:
        return sum(1 for t in self.turns if t.error is not None)

    def error_kinds(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for t in self.turns:
            if t.error is not None:
                kinds[t.error] = kinds.get(t.error, 0) + 1
        return dict(sorted(kinds.items()))

    @property
    def throughput(self) -> float:
        """Answered messages per second of wall time."""
        return self.messages / self.seconds if self.seconds > 0 else math.nan

    def latency(self, q: float) -> float:
        return percentile(self.answered, q)


@dataclass(frozen=True)
class TurnCost:
    early: float  # median latency of turn EARLY_TURN over the long conversations
    late: float  # median latency of the last turn
    late_turn: int
    samples: int  # conversations with both turns answered
    early_band: Optional[float] = None  # median of the first BAND_TURNS turns from EARLY_TURN
    late_band: Optional[float] = None  # median of the last BAND_TURNS turns

    @property
    def ratio(self) -> float:
        return self.late / self.early if self.early > 0 else math.nan

    @property
    def band_ratio(self) -> Optional[float]:
        return ratio(self.late_band, self.early_band)


def turn_cost(run: LoadRun, late_turn: int, early_turn: int = EARLY_TURN) -> Optional[TurnCost]:
    """Turn `late_turn` against turn `early_turn`, medians over the conversations that had
    both answered; None when none had."""
    by_user: dict[int, dict[int, float]] = {}
    for t in run.turns:
        if t.error is None:
            by_user.setdefault(t.user, {})[t.turn] = t.seconds
    pairs = [
        (u[early_turn], u[late_turn])
        for u in by_user.values()
        if early_turn in u and late_turn in u
    ]
    if not pairs:
        return None

    def band(first: int) -> Optional[float]:
        found = [
            s for u in by_user.values() for t, s in u.items() if first <= t < first + BAND_TURNS
        ]
        return statistics.median(found) if found else None

    return TurnCost(
        early=statistics.median(p[0] for p in pairs),
        late=statistics.median(p[1] for p in pairs),
        late_turn=late_turn,
        samples=len(pairs),
        early_band=band(early_turn),
        late_band=band(max(early_turn, late_turn - BAND_TURNS + 1)),
    )


@dataclass
class Setup:
    """One measured setup: the cluster with N Rasa servers, or the baseline."""

    name: str
    servers: int  # Rasa servers; 0 for the baseline
    baseline: bool = False
    load: Optional[LoadRun] = None
    long: Optional[TurnCost] = None
    cold_start: Optional[float] = None  # seconds from starting the processes to a first answer
    peak_rss: dict[str, int] = field(default_factory=dict)  # process -> bytes, start-up too
    sampled_rss: dict[str, int] = field(default_factory=dict)  # largest sample once up
    training_seconds: Optional[float] = None  # the baseline's `rasa init` with its training
    failure: Optional[str] = None  # why it has no figures

    @property
    def rasa_peak(self) -> Optional[int]:
        peaks = [v for k, v in self.peak_rss.items() if k.startswith("rasa")]
        return max(peaks) if peaks else None


def ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    if numerator is None or denominator is None or not denominator > 0:
        return None
    if math.isnan(numerator) or math.isnan(denominator):
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Target:
    goal: str
    measured: str
    met: Optional[bool]  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else ("met" if self.met else "not met")


def _times(value: Optional[float], target: Optional[float] = None) -> str:
    """A ratio with two decimals, or three where two would round it onto the target (0.895
    against 0.9 read "0.90×, not met")."""
    if value is None:
        return "–"
    if target is not None and round(value, 2) == target and value != target:
        return f"{value:.3f}×"
    return f"{value:.2f}×"


def targets(setups: Sequence[Setup], conversations: int) -> list[Target]:
    """The issue's six targets against this run's setups."""
    by_servers = {s.servers: s for s in setups if not s.baseline and s.load is not None}
    base = next((s for s in setups if s.baseline and s.load is not None), None)
    one, two = by_servers.get(1), by_servers.get(2)
    found: list[Target] = []

    def throughput(setup: Optional[Setup]) -> Optional[float]:
        return setup.load.throughput if setup is not None and setup.load is not None else None

    versus_base = ratio(throughput(one), throughput(base))
    found.append(
        Target(
            f"one server's throughput >= {BASELINE_THROUGHPUT}× the vanilla bot's",
            _times(versus_base, BASELINE_THROUGHPUT),
            None if versus_base is None else versus_base >= BASELINE_THROUGHPUT,
        )
    )
    long = one.long if one is not None else None
    found.append(
        Target(
            f"turn {long.late_turn if long else 40} <= {LONG_TURN_COST}× turn {EARLY_TURN} "
            "(one server)",
            "–"
            if long is None
            else f"{_times(long.ratio, LONG_TURN_COST)} ({long.late:.3f} s vs {long.early:.3f} s)",
            None if long is None or math.isnan(long.ratio) else long.ratio <= LONG_TURN_COST,
        )
    )
    scaling = ratio(throughput(two), throughput(one))
    found.append(
        Target(
            f"2 servers >= {TWO_SERVERS}× one server's throughput",
            _times(scaling, TWO_SERVERS),
            None if scaling is None else scaling >= TWO_SERVERS,
        )
    )
    project = [s for s in setups if not s.baseline and s.load is not None]
    errors = sum(s.load.errors for s in project if s.load is not None)
    measured_at = conversations >= ERRORS_AT and bool(project)
    found.append(
        Target(
            f"0 errors at {ERRORS_AT} concurrent conversations",
            f"{errors} errors at {conversations}" if project else "–",
            (errors == 0) if measured_at else None,
        )
    )
    peaks = [s.rasa_peak for s in setups if not s.baseline and s.rasa_peak is not None]
    peak = max(peaks) if peaks else None
    found.append(
        Target(
            f"Rasa server memory <= {RASA_MEMORY_BYTES / 1e9:.1f} GB",
            "–" if peak is None else f"{peak / MB:.0f} MB (largest peak RSS)",
            None if peak is None else peak <= RASA_MEMORY_BYTES,
        )
    )
    colds = [(s.servers, s.cold_start) for s in setups if not s.baseline and s.cold_start]
    cold = max(c for _, c in colds) if colds else None
    found.append(
        Target(
            f"cold start to first answer <= {COLD_START_SECONDS:.0f} s (every setup)",
            ", ".join(f"{c:.1f} s with {n}" for n, c in colds) or "–",
            None if cold is None else cold <= COLD_START_SECONDS,
        )
    )
    return found


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, or a line saying there is nothing to show."""
    if not rows:
        return "None in this run."
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _seconds(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def results_table(setups: Sequence[Setup]) -> str:
    rows = []
    for s in setups:
        run = s.load
        if run is None:
            rows.append([s.name, *(["–"] * 7), s.failure or "not run"])
            continue
        rows.append(
            [
                s.name,
                str(run.messages),
                f"{run.throughput:.2f}",
                _seconds(run.latency(50)),
                _seconds(run.latency(95)),
                _seconds(run.latency(99)),
                str(run.errors),
                _seconds(s.cold_start, 1),
                ", ".join(f"{k} {v}" for k, v in run.error_kinds().items()) or "",
            ]
        )
    headers = ["setup", "answered", "messages/s", "p50 s", "p95 s", "p99 s", "errors",
               "cold start s", "error kinds"]  # fmt: skip
    return markdown_table(headers, rows)


def memory_table(setups: Sequence[Setup]) -> str:
    names: list[str] = []
    for s in setups:
        names += [n for n in s.peak_rss if n not in names]

    def cell(setup: Setup, name: str) -> str:
        if name not in setup.peak_rss:
            return "–"
        sampled = setup.sampled_rss.get(name)
        under_load = f" ({sampled / MB:.0f})" if sampled is not None else ""
        return f"{setup.peak_rss[name] / MB:.0f}{under_load}"

    rows = [[s.name, *(cell(s, n) for n in names)] for s in setups if s.peak_rss]
    return markdown_table(["MB: peak (once up)", *names], rows)


def long_table(setups: Sequence[Setup]) -> str:
    rows = [
        [
            s.name,
            str(s.long.samples),
            _seconds(s.long.early),
            _seconds(s.long.late),
            f"{s.long.ratio:.2f}×",
            _seconds(s.long.early_band),
            _seconds(s.long.late_band),
            _times(s.long.band_ratio),
        ]  # fmt: skip
        for s in setups
        if s.long is not None
    ]
    late = next((s.long.late_turn for s in setups if s.long is not None), 40)
    early_band = f"turns {EARLY_TURN}–{EARLY_TURN + BAND_TURNS - 1}"
    late_band = f"turns {late - BAND_TURNS + 1}–{late}"
    headers = ["setup", "conversations", f"turn {EARLY_TURN} s (median)",
               f"turn {late} s (median)", "ratio", f"{early_band} s (median)",
               f"{late_band} s (median)", "ratio"]  # fmt: skip
    return markdown_table(headers, rows)


def ratios_table(setups: Sequence[Setup]) -> str:
    """Throughput and latency of each project setup against the baseline, and 2 vs 1."""
    base = next((s for s in setups if s.baseline and s.load is not None), None)
    project = [s for s in setups if not s.baseline and s.load is not None]
    rows: list[list[str]] = []
    for s in project:
        assert s.load is not None
        if base is not None and base.load is not None:
            rows.append(
                [
                    f"{s.name} / {base.name}",
                    _times(ratio(s.load.throughput, base.load.throughput)),
                    _times(ratio(s.load.latency(50), base.load.latency(50))),
                    _times(ratio(s.load.latency(95), base.load.latency(95))),
                ]
            )
    by_servers = {s.servers: s for s in project}
    if 1 in by_servers and 2 in by_servers:
        one, two = by_servers[1].load, by_servers[2].load
        assert one is not None and two is not None
        rows.append(
            [
                f"{by_servers[2].name} / {by_servers[1].name}",
                _times(ratio(two.throughput, one.throughput)),
                _times(ratio(two.latency(50), one.latency(50))),
                _times(ratio(two.latency(95), one.latency(95))),
            ]
        )
    return markdown_table(["ratio", "messages/s", "p50", "p95"], rows)


def targets_table(found: Sequence[Target]) -> str:
    return markdown_table(
        ["target", "measured", "verdict"], [[t.goal, t.measured, t.verdict] for t in found]
    )
