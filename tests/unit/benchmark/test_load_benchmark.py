"""The load benchmark's pure parts: percentiles, the turn-40 cost, the targets as met / not
met, the tables, the section, and which scripts the simulated users type. No servers and
no timed assertions: the figures here are made up."""

from __future__ import annotations

import math

import pytest

from bot.benchmark.document import RunDescription, section
from bot.benchmark.figures import (
    LoadRun,
    Setup,
    Turn,
    TurnCost,
    long_table,
    memory_table,
    percentile,
    ratio,
    ratios_table,
    results_table,
    targets,
    targets_table,
    turn_cost,
)
from bot.benchmark.scripts import select_scripts
from bot.evaluation.conversations import Conversation, Expectation


def test_percentiles_interpolate_between_ranks():
    values = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 95) == pytest.approx(4.8)
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def run(seconds: float, latencies: list[float], errors: int = 0) -> LoadRun:
    turns = [Turn(i, 1, s) for i, s in enumerate(latencies)]
    turns += [Turn(100 + i, 1, 1.0, "HTTP 502") for i in range(errors)]
    return LoadRun(tuple(turns), seconds)


def test_a_run_counts_answers_errors_and_throughput():
    load = run(2.0, [0.1, 0.2, 0.3, 0.4], errors=2)
    assert (load.messages, load.errors) == (4, 2)
    assert load.throughput == 2.0
    assert load.latency(50) == pytest.approx(0.25)  # errors are not latencies
    assert load.error_kinds() == {"HTTP 502": 2}


def test_turn_cost_compares_medians_of_both_turns_answered():
    turns = []
    for user, (early, late) in enumerate([(0.1, 0.2), (0.2, 0.3), (0.3, 0.9)]):
        turns += [Turn(user, 2, early), Turn(user, 40, late)]
    turns += [Turn(9, 2, 5.0), Turn(9, 40, 5.0, "timeout")]  # not a pair
    cost = turn_cost(LoadRun(tuple(turns), 10.0), 40)
    assert cost is not None
    assert (cost.early, cost.late, cost.samples) == (0.2, 0.3, 3)
    assert cost.ratio == pytest.approx(1.5)
    assert turn_cost(LoadRun((), 1.0), 40) is None


def test_the_bands_pool_five_turns_at_each_end():
    # Turn t takes t/100 s; turn 1 (the session's start) and turns 7 to 35 are left out.
    turns = [Turn(user, t, t / 100) for user in range(2) for t in range(1, 41)]
    cost = turn_cost(LoadRun(tuple(turns), 10.0), 40)
    assert cost is not None
    assert (cost.early_band, cost.late_band) == (0.04, 0.38)  # turns 2-6, 36-40
    assert cost.band_ratio == pytest.approx(9.5)
    assert "| turns 2–6 s (median) | turns 36–40 s (median) | ratio |" in long_table(
        [Setup("1 Rasa server", 1, long=cost)]
    )
    assert TurnCost(early=0.2, late=0.2, late_turn=40, samples=1).band_ratio is None


def test_ratio_is_none_without_both_figures():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None
    assert ratio(3.0, 0.0) is None
    assert ratio(math.nan, 2.0) is None


def setups() -> list[Setup]:
    base = Setup("vanilla rasa init", 0, baseline=True, load=run(10.0, [0.1] * 100))
    one = Setup(
        "1 Rasa server",
        1,
        load=run(10.0, [0.2] * 95),
        long=TurnCost(early=0.2, late=0.22, late_turn=40, samples=3),
        cold_start=25.0,
        peak_rss={"rasa-1": 900_000_000, "postgres": 100_000_000},
    )
    two = Setup(
        "2 Rasa servers",
        2,
        load=run(10.0, [0.2] * 110, errors=1),
        cold_start=41.0,
        peak_rss={"rasa-1": 950_000_000, "rasa-2": 1_300_000_000},
    )
    return [base, one, two]


def test_targets_are_met_or_not_and_never_raise():
    found = {t.goal: t for t in targets(setups(), conversations=50)}
    verdicts = [t.verdict for t in found.values()]
    # 9.5 vs 10 msg/s; 1.1x; 11 vs 9.5 msg/s (1.16x); 1 error; 1.3 GB; 41 s.
    assert verdicts == ["met", "met", "not met", "not met", "not met", "not met"]
    assert "0.95×" in found["one server's throughput >= 0.9× the vanilla bot's"].measured
    assert "1300 MB" in found["Rasa server memory <= 1.2 GB"].measured


def test_a_ratio_just_short_of_its_target_is_not_shown_as_the_target():
    # 179.6 vs 200 msg/s: 0.898, "0.90×" with two decimals.
    base = Setup("vanilla rasa init", 0, baseline=True, load=run(10.0, [0.1] * 2000))
    one = Setup("1 Rasa server", 1, load=run(10.0, [0.2] * 1796))
    found = targets([base, one], conversations=50)[0]
    assert (found.measured, found.verdict) == ("0.898×", "not met")


def test_targets_not_measured_say_so():
    only_one = [s for s in setups() if s.servers == 1]
    found = targets(only_one, conversations=10)
    by_goal = {t.goal: t.verdict for t in found}
    assert by_goal["one server's throughput >= 0.9× the vanilla bot's"] == "not measured"
    assert by_goal["2 servers >= 1.3× one server's throughput"] == "not measured"
    assert by_goal["0 errors at 50 concurrent conversations"] == "not measured"
    assert "| 2 servers >= 1.3× one server's throughput | – | not measured |" in targets_table(
        found
    )


def test_tables_have_a_row_per_setup_and_ratios_to_the_baseline():
    results = results_table([*setups(), Setup("3 Rasa servers", 3, failure="did not start")])
    lines = results.splitlines()
    assert lines[0].startswith("| setup | answered | messages/s | p50 s | p95 s | p99 s |")
    assert "| 1 Rasa server | 95 | 9.50 | 0.200 | 0.200 | 0.200 | 0 | 25.0 |" in results
    assert "HTTP 502 1" in results
    assert lines[-1].endswith("did not start |")
    ratios = ratios_table(setups())
    assert "| 1 Rasa server / vanilla rasa init | 0.95× | 2.00× | 2.00× |" in ratios
    assert "| 2 Rasa servers / 1 Rasa server | 1.16× |" in ratios


def test_the_section_has_its_heading_the_machine_and_every_table():
    description = RunDescription(
        conversations=50,
        turns=8,
        long_turns=40,
        long_conversations=3,
        think=0.0,
        languages=["nl", "en"],
        minutes=12.0,
        when="2026-12-04 23:50",
        machine="2 cores (a CPU), 24 GB RAM; Python 3.10.13, Rasa 3.6.21.",
        load_before="0.50",
        load_after="1.90",
    )
    text = section(setups(), description)
    assert text.startswith("## Load\n")
    assert "2 cores (a CPU), 24 GB RAM; Python 3.10.13, Rasa 3.6.21." in text
    for heading in ("Targets", "Throughput", "Ratios", "Long conversations", "Peak memory"):
        assert f"### {heading}" in text
    assert "| rasa-1 | postgres | rasa-2 |" in text
    assert "no baseline" not in text and "on one server and on the baseline." in text


def test_memory_shows_the_peak_and_the_largest_sample_once_up():
    one = Setup("1 Rasa server", 1, peak_rss={"rasa-1": 1_300_000_000, "nginx": 12_000_000})
    one.sampled_rss = {"rasa-1": 1_100_000_000}
    table = memory_table([one, Setup("2 Rasa servers", 2, failure="did not start")])
    assert table.splitlines()[0] == "| MB: peak (once up) | rasa-1 | nginx |"
    assert table.splitlines()[-1] == "| 1 Rasa server | 1300 (1100) | 12 |"


def conversation(language: str, name: str, turns: int) -> Conversation:
    user = tuple(f"{language}-{name}-{i}" for i in range(turns))
    return Conversation(name, "questions", language, user, Expectation())


def test_scripts_take_the_languages_in_turn_and_continue_to_the_turns_asked():
    conversations = [
        conversation("en", "a", 2),
        conversation("en", "b", 3),
        conversation("nl", "c", 4),
        conversation("ar", "d", 1),
    ]
    scripts = select_scripts(conversations, count=4, turns=5)
    assert [s.language for s in scripts] == ["nl", "en", "ar", "nl"]
    assert all(len(s.messages) == 5 for s in scripts)
    assert scripts[1].messages == ("en-a-0", "en-a-1", "en-b-0", "en-b-1", "en-b-2")
    assert scripts[2].messages == ("ar-d-0",) * 5
    assert scripts[0].messages[:4] == ("nl-c-0", "nl-c-1", "nl-c-2", "nl-c-3")
    # An offset moves on: the next language, and within it the next conversation.
    shifted = select_scripts(conversations, count=1, turns=2, offset=4)
    assert shifted[0].language == "en" and shifted[0].messages == ("en-b-0", "en-b-1")
    assert select_scripts(conversations, 4, 5) == scripts  # the same load every time
    assert "en-a-0" not in repr(scripts[1])  # never the text in a traceback


def test_the_projects_own_scripts_give_a_multilingual_load():
    from bot.evaluation.conversations import load_directory
    from tests.support import ROOT

    scripts = select_scripts(load_directory(ROOT / "evaluation" / "conversations"), 50, 8)
    assert len(scripts) == 50
    assert {s.language for s in scripts} == {"nl", "en", "fr", "es", "de", "pt", "ar"}
    assert all(len(s.messages) == 8 for s in scripts)
