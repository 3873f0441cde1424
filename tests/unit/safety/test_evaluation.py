"""The safety evaluation's rows for a trained model, on hand-made parse results: with the
classifier's probabilities in the parse data, "the classifier alone" and "lexicon, or the
classifier" are measured beside the assistant; an older model gets the old rows only."""

from __future__ import annotations

from typing import Any

from bot.safety.detector import detector_for
from bot.safety.evaluation import CATEGORIES, WITH_LINE, model_scores

SETS = {
    "en": {
        "danger": ["he has a gun", "the crowbar man is back"],
        "self_harm": ["i want to kill myself"],
        "safe": ["my boss yells at me every day"],
        "short": ["yes"],
    }
}
# What the classifier said of each message (danger, self_harm probabilities).
PROBABILITIES = {
    "he has a gun": (0.99, 0.0),
    "the crowbar man is back": (0.95, 0.01),
    "i want to kill myself": (0.01, 0.98),
    "my boss yells at me every day": (0.3, 0.1),
    "yes": (0.0, 0.0),
}


def _parsed(with_classifier: bool) -> dict[str, dict[str, Any]]:
    parsed = {}
    for text, (danger, self_harm) in PROBABILITIES.items():
        result: dict[str, Any] = {"intent": {"name": "share_experience", "confidence": 0.9}}
        if with_classifier:
            result["safety"] = None
            result["safety_model_intent"] = result["intent"]
            result["safety_classifier"] = {"danger": danger, "self_harm": self_harm}
        parsed[text] = result
    return parsed


def test_a_model_with_the_classifier_gets_its_rows():
    measured = model_scores(SETS, _parsed(True), detector_for(), classifier_threshold=0.9)
    alone = measured["the classifier alone (>= 0.9)"]["all"]
    assert (alone.hits["danger"], alone.hits["self_harm"], alone.hits["safe"]) == (2, 1, 0)
    either = measured["lexicon, or the classifier (>= 0.9)"]["all"]
    assert either.danger_recall == 1.0 and either.short_alarms == 0
    assert "the assistant (lexicon or classifier, or the model's alarm >= 0.8)" in measured
    configured = model_scores(SETS, _parsed(True), detector_for(), 0.9, model_confidence=None)
    assert "the assistant (lexicon or classifier)" in configured


def test_an_older_model_gets_the_old_rows_only():
    measured = model_scores(SETS, _parsed(False), detector_for(), classifier_threshold=0.9)
    assert not any("classifier" in title for title in measured)
    assert set(measured["the model alone"]["all"].total) == set(CATEGORIES)


def test_the_line_of_a_concern_counts_in_its_own_row_only():
    parsed = _parsed(True)
    for text, result in parsed.items():
        result["safety_concern"] = "danger" if text == "the crowbar man is back" else None
    measured = model_scores(SETS, parsed, detector_for(), classifier_threshold=0.9)
    answer = next(s for t, s in measured.items() if t.startswith("the assistant ("))["all"]
    with_line = measured[f"the assistant, {WITH_LINE}"]["all"]
    assert with_line.hits["danger"] == answer.hits["danger"] + 1
    assert with_line.hits["safe"] == answer.hits["safe"]
