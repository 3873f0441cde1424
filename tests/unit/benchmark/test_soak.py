"""The soak's pure parts: turns bucketed by the minute they were sent in, each minute's
figures, and whether memory or latency grew beyond noise. No servers, no timed assertion:
the figures here are made up."""

from __future__ import annotations

import math

from bot.benchmark.figures import MB
from bot.benchmark.soak import (
    Minute,
    Sample,
    SoakRun,
    growth_lines,
    latency_growth,
    memory_growth,
    minute_figures,
    minute_of,
    minutes_table,
    section,
)


def _minute(number: int, rss: dict[str, float], private: dict[str, float] | None = None) -> Minute:
    def size(values: dict[str, float]) -> dict[str, int]:
        return {k: int(v * MB) for k, v in values.items()}

    return Minute(number, 10, 0, 0.1, 0.2, size(rss), size(private or {}))


def test_a_turn_belongs_to_the_minute_it_was_sent_in():
    assert [minute_of(Sample(t, 1.0)) for t in (0.0, 59.9, 60.0, 119.0, 600.0)] == [1, 1, 2, 2, 11]


def test_a_minutes_figures_count_its_turns_only():
    samples = [Sample(1.0, 0.1), Sample(2.0, 0.3), Sample(3.0, 9.0, "timeout")]
    samples += [Sample(61.0, 5.0)]  # the next minute
    row = minute_figures(1, samples, {"rasa-1": 1_000 * MB})
    assert (row.turns, row.errors) == (2, 1)
    assert math.isclose(row.p50, 0.2) and math.isclose(row.p95, 0.29)
    empty = minute_figures(3, samples, {})
    assert empty.turns == 0 and math.isnan(empty.p95)
    assert "| 3 | 0 | 0 | – | – |" in minutes_table([row, empty])


def test_memory_grows_only_beyond_noise_after_the_warm_up():
    minutes = [
        _minute(1, {"rasa-1": 900, "rasa-2": 900, "redis": 10}),  # warm-up: not compared
        _minute(2, {"rasa-1": 1200, "rasa-2": 1200, "redis": 10}),
        _minute(3, {"rasa-1": 1230, "rasa-2": 1300, "redis": 14}),
    ]
    found = {g.what: g for g in memory_growth(minutes)}
    # +30 MB on 1.2 GB is noise; +100 MB is not; +4 MB on 10 MB is under 40 MB.
    assert [found[n].grew for n in ("rasa-1", "rasa-2", "redis")] == [False, True, False]
    assert found["rasa-2"].change == 100 * MB
    assert memory_growth(minutes[:2]) == []  # nothing after the warm-up to compare


def test_private_memory_is_judged_and_a_step_is_told_from_a_trend():
    # PostgreSQL's resident set climbs with its shared buffers, its private memory does not;
    # the action server loads a library at minute 3 and stays; rasa-1 keeps growing.
    rows = [(300, 60, 100, 1000), (320, 60, 100, 1000), (350, 61, 220, 1030)]
    rows += [(380, 61, 222, 1060), (410, 60, 222, 1090), (440, 61, 223, 1120)]
    minutes = [
        _minute(
            number,
            {"postgres": pg, "actions": actions, "rasa-1": rasa},
            {"postgres": pg_private, "actions": actions, "rasa-1": rasa},
        )
        for number, (pg, pg_private, actions, rasa) in enumerate(rows, start=1)
    ]
    found = {g.what: g for g in memory_growth(minutes)}
    assert [found[n].verdict for n in ("postgres", "actions", "rasa-1")] == [
        "flat",
        "grew once, then flat",
        "still growing",
    ]
    assert (found["postgres"].rss_early, found["postgres"].rss_late) == (320 * MB, 440 * MB)
    lines = "\n".join(growth_lines(list(found.values()), None, 6))
    assert "- postgres: private 60 MB at minute 2, 61 MB half-way, 61 MB at minute 6" in lines
    assert "resident 320 → 440 MB: flat" in lines


def test_latency_compares_three_minutes_at_each_end():
    early = [Sample(60 * m + s, 0.2) for m in range(1, 4) for s in range(10)]
    late = [Sample(60 * m + s, 0.3) for m in range(7, 10) for s in range(10)]
    growth = latency_growth([Sample(5.0, 9.0), *early, *late], minutes=9)
    assert growth is not None and growth.grew  # 1.5x; the warm-up's 9 s left out
    steady = latency_growth(early + [Sample(s.started + 360, 0.22) for s in early], 9)
    assert steady is not None and not steady.grew
    assert latency_growth(early, minutes=6) is None  # too short for two bands


def test_the_section_has_the_table_the_verdicts_and_how_to_re_run():
    minutes = [_minute(m, {"rasa-1": 1300}, {"rasa-1": 1200}) for m in range(1, 8)]
    samples = [Sample(60 * m + 1, 0.2) for m in range(7)]
    run = SoakRun(7, 8, 2.0, 12, 2, "2026-12-05 02:00", "2 cores.", "1.00", "2.00", "Shared.")
    text = section(run, minutes, samples)
    assert text.startswith("## Soak\n")
    assert "| minute | answered | errors | p50 ms | p95 ms | rasa-1 MB |" in text
    assert "- rasa-1: private 1200 MB at minute 2, 1200 MB half-way, 1200 MB at minute 7" in text
    assert "p95 latency, minutes 2–4 against minutes 5–7" in text
    assert "Shared." in text and "bin/benchmark --soak" in text
