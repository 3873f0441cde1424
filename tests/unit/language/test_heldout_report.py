"""The held-out report names every intent under its target per language (issue 10, item 7)."""

from __future__ import annotations

from bot.language.evaluation import Scores, per_intent_table, short_messages_section


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


def test_the_report_says_which_languages_short_messages_were_taken_for() -> None:
    uk, tr = Scores(short_total=60), Scores(short_total=40)
    uk.short_confusions.update({("uk", "ru"): 3, ("uk", "pl"): 1})
    uk.short_wrong_and_sure = 1
    tr.short_confusions[("tr", None)] = 1
    section = "\n".join(short_messages_section({"uk": uk, "tr": tr}))
    assert "(5 of 100)" in section
    assert "uk -> ru 3, uk -> pl 1, tr -> none 1" in section
    assert "(>= 0.6): 1 of them" in section
