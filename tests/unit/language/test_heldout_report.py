"""The held-out report names every intent under its target per language (issue 10, item 7)."""

from __future__ import annotations

from bot.language.evaluation import Scores, per_intent_table


def _scores(results: dict[str, tuple[int, int]]) -> Scores:
    scores = Scores()
    for intent, (right, total) in results.items():
        scores.per_intent[intent] += total
        scores.per_intent_right[intent] += right
    return scores


def test_an_intent_under_the_target_is_marked_in_its_language_only() -> None:
    table = per_intent_table(
        {"en": _scores({"greet": (7, 10), "report": (10, 10)}), "nl": _scores({"greet": (9, 10)})}
    )
    greet = next(line for line in table if line.startswith("| greet |"))
    report = next(line for line in table if line.startswith("| report |"))
    # Columns follow SUPPORTED_LANGUAGES (nl, en, ...): Dutch 9/10 passes, English 7/10 not.
    assert "9/10 |" in greet and "7/10 * |" in greet
    assert "*" not in report and "–" in report
    assert table[-1] == "Cells under 0.85: 1."
