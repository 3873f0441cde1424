"""The issue's targets on the held-out set (evaluation/safety/, version 6), with the lexicon
detector alone and with the lexicons and the safety classifier trained from the training
files (no Rasa model; bin/evaluate measures the assistant with its model): danger recall
>= 0.98, false alarms <= 1 % on harsh-but-safe messages, no alarm on a short form answer.
Only the last is met (see docs/evaluation.md); the others are guarded against regression
below the figures measured."""

from __future__ import annotations

import pytest
import yaml

from bot.safety.detector import detector_for
from bot.safety.evaluation import (
    CATEGORIES,
    LANGUAGES,
    Scores,
    classifier_from_files,
    classifier_scores,
    configured_component,
    detector_scores,
    load_sets,
)
from bot.safety.training_data import training_files
from tests.support import ROOT

HELDOUT = ROOT / "evaluation" / "safety"
TRAINING = ROOT / "data" / "safety" / "training"


@pytest.fixture(scope="module")
def scores() -> dict[str, Scores]:
    return detector_scores(load_sets(HELDOUT), detector_for())


def test_the_heldout_set_has_what_the_issue_asks_in_every_language():
    sets = load_sets(HELDOUT)
    assert set(sets) == set(LANGUAGES)
    for language, categories in sets.items():
        sizes = {c: len(categories[c]) for c in CATEGORIES}
        assert sizes["danger"] >= 40 and sizes["self_harm"] >= 20, language
        assert sizes["safe"] >= 60 and sizes["short"] >= 40, language


def test_the_heldout_set_was_never_tuned_or_trained_on():
    """No danger, self-harm or harsh-but-safe message of the held-out set is in the former
    tuning sets, the classifier's training sets (all in data/safety/training/) or the NLU
    training data (short answers like "yes" are everywhere, by nature)."""
    heldout = {
        text.strip().lower()
        for categories in load_sets(HELDOUT).values()
        for category, texts in categories.items()
        if category != "short"
        for text in texts
    }
    used: set[str] = set()
    for path in training_files(TRAINING):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        blocks = [data] if "language" in data else list(data.values())
        used |= {
            str(t).strip().lower()
            for block in blocks
            for key, texts in block.items()
            if key != "language"
            for t in texts
        }
    for path in (ROOT / "data" / "nlu").glob("*/*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            used |= {
                line.strip()[2:].strip().lower()
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ")
            }
    # Only the leaked lines are shown: the rest of the held-out set stays out of sight.
    leaked = sorted(heldout & used)
    assert not leaked, f"{len(leaked)} held-out messages are trained or tuned on: {leaked}"


def test_no_short_form_answer_raises_an_alarm(scores):
    assert scores["all"].short_alarms == 0, scores["all"].wrong["short"]


def test_no_regression_below_the_measured_figures(scores):
    """The figures measured when held-out version 6 was first run (docs/evaluation.md:
    danger 161/294, self-harm 51/140, false alarms 19/420): a lexicon edit must not make
    them worse."""
    overall = scores["all"]
    assert overall.hits["danger"] >= 161
    assert overall.hits["self_harm"] >= 51
    assert overall.hits["safe"] <= 19


@pytest.fixture(scope="module")
def with_classifier() -> dict[str, dict[str, Scores]]:
    """The rows with the classifier at the configured settings (trained here, ~30 s)."""
    detector = detector_for()
    config = configured_component()
    classifier = classifier_from_files(config, detector)
    return classifier_scores(
        load_sets(HELDOUT),
        detector,
        classifier,
        float(config["classifier_threshold"]),
        float(config["concern_threshold"]),
        float(config["classifier_veto"]),
    )


def _row(measured: dict[str, dict[str, Scores]], start: str) -> Scores:
    return next(scores["all"] for title, scores in measured.items() if title.startswith(start))


def test_with_the_classifier_no_short_form_answer_raises_an_alarm(with_classifier):
    assert _row(with_classifier, "lexicon, or").short_alarms == 0
    assert _row(with_classifier, "safety answer or the line").short_alarms == 0


def test_with_the_classifier_no_regression_below_the_measured_figures(with_classifier):
    """Measured once with the chosen settings on version 6 (docs/evaluation.md): danger
    0.854 (251/294), self-harm 0.764 (107/140), false alarms 0.029 (12/420). Two messages
    of slack each for arithmetic that differs between machines."""
    overall = _row(with_classifier, "lexicon, or")
    assert overall.hits["danger"] >= 249
    assert overall.hits["self_harm"] >= 105
    assert overall.hits["safe"] <= 14


def test_with_the_line_nearly_every_message_about_danger_reads_where_to_get_help(
    with_classifier,
):
    """The safety answer or the line of a concern (bot/safety/concern.py), measured once on
    version 6: danger 281/294, self-harm 123/140, a line or an alarm on 37/420 safe ones."""
    overall = _row(with_classifier, "safety answer or the line")
    assert overall.hits["danger"] >= 279
    assert overall.hits["self_harm"] >= 121
    assert overall.hits["safe"] <= 39
