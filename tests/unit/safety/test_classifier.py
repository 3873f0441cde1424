"""The safety classifier (bot/safety/classifier.py) on a small training set: it flags clear
danger and self-harm in English and Arabic (script and Arabizi), leaves short answers and
harsh-but-safe stories alone, trains the same model every time and keeps it as arrays."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.safety.classifier import SafetyModel, Settings, combine, features
from bot.safety.crossval import group_folds, verdicts_at
from bot.safety.detector import detector_for
from bot.safety.training_data import (
    Example,
    deduplicated,
    load_labelled,
    nlu_examples,
    training_files,
)

FIXTURES = Path(__file__).parent / "fixtures"
THRESHOLD = 0.5
SETTINGS = Settings()  # the defaults, as config.yml uses them


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_labelled(FIXTURES)


@pytest.fixture(scope="module")
def model(examples: list[Example]) -> SafetyModel:
    # As the component trains it: reading the text with every lexicon's negations blanked.
    return SafetyModel.fit(examples, SETTINGS, detector_for().affirmed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HELP he has a knife at my door", "danger"),
        ("he is beating me right now help", "danger"),
        ("معاه سكينة عند الباب", "danger"),
        ("i really want to die", "self_harm"),
        ("i want to kil myself", "self_harm"),  # a typo
        ("عايزة أموت النهارده", "self_harm"),
    ],
)
def test_clear_danger_and_self_harm_are_flagged(model: SafetyModel, text: str, expected: str):
    assert model.verdict(text, THRESHOLD) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "my boss",
        "last week",
        "نعم",
        "the driver",
        "السواق",
        "my boss yells at me every day",
        "he threatened me with a bad evaluation",
        "my supervisor shouts at me in meetings",
        "المدير بيزعقلي",
        "i'm not suicidal, just tired",  # a denial: the lexicons' negations are blanked
        "i am not in danger",
        "",
        "🙂",
    ],
)
def test_short_answers_and_harsh_stories_are_left_alone(model: SafetyModel, text: str):
    assert model.verdict(text, THRESHOLD) is None


def test_probabilities_are_a_distribution_per_text(model: SafetyModel):
    rows = model.probabilities(["he has a gun", "yes"])
    assert rows.shape == (2, 3)
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert model.labels == ("danger", "self_harm", "other")


def test_probabilities_are_the_softmax_of_the_linear_scores(model: SafetyModel):
    texts = ["he has a knife", "mi jefe me grita", "ja", "ik wil niet meer leven"]
    scores = model._matrix(texts).toarray() @ model._coef.T + model._intercept
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert np.allclose(model.probabilities(texts), expected, rtol=1e-12, atol=1e-12)


def test_the_threshold_decides(model: SafetyModel):
    text = "he has a knife"
    row = model.probabilities([text])[0]
    alarm = float(row[0] + row[1])
    assert model.verdict(text, alarm) == "danger"
    assert model.verdict(text, min(alarm + 1e-6, 1.0 + 1e-6)) is None


def test_the_classifier_reads_the_text_without_its_denials():
    affirmed = detector_for().affirmed
    assert affirmed("I'm NOT suicidal, just tired") == "i m just tired"
    assert affirmed("ik ben niet in gevaar maar hij heeft een mes") == "ik ben mar hij heft en mes"
    assert affirmed("ik ben niet in gevaar") == "ik ben"


def test_training_is_deterministic_whatever_the_example_order(examples: list[Example]):
    texts = ["he is outside with a knife", "i want to die", "my boss"]
    first = SafetyModel.fit(examples, SETTINGS).probabilities(texts)
    again = SafetyModel.fit(list(reversed(examples)), SETTINGS).probabilities(texts)
    assert np.array_equal(first, again)


def test_saved_and_loaded_it_predicts_the_same(model: SafetyModel, tmp_path: Path):
    model.save(tmp_path)
    assert SafetyModel.exists(tmp_path)
    loaded = SafetyModel.load(tmp_path)
    texts = ["he has a knife", "عايزة أموت", "yes"]
    assert np.allclose(loaded.probabilities(texts), model.probabilities(texts))
    assert loaded.settings == model.settings


def test_a_model_of_another_format_is_refused(model: SafetyModel, tmp_path: Path):
    model.save(tmp_path)
    meta = json.loads((tmp_path / "safety_classifier.json").read_text())
    (tmp_path / "safety_classifier.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ValueError, match="format 99"):
        SafetyModel.load(tmp_path)


def test_training_needs_every_label():
    only_other = [Example("yes", "other", "short", "en", "x")]
    with pytest.raises(ValueError, match="every label"):
        SafetyModel.fit(only_other, SETTINGS)


def test_features_are_character_ngrams_within_words_and_word_ngrams():
    grams = features("he gun", Settings(min_n=2, max_n=3, word_ngrams=2))
    assert " g" in grams and "gun" in grams and "un " in grams
    assert "e g" not in grams  # never across words
    assert "w:he gun" in grams and "w:gun" in grams


def test_the_lexicons_finding_comes_first():
    assert combine("self_harm", "danger") == "self_harm"
    assert combine(None, "danger") == "danger"
    assert combine("danger", None) == "danger"
    assert combine(None, None) is None


def test_a_lexicon_finding_the_classifier_is_sure_of_is_no_alarm_with_a_veto():
    assert combine("danger", None, other=0.95, veto=0.9) is None
    assert combine("danger", None, other=0.85, veto=0.9) == "danger"
    assert combine("danger", None, other=0.95, veto=None) == "danger"


def test_nlu_intents_become_labels():
    labels = [
        e.label for e in nlu_examples([("a", "emergency"), ("b", "self_harm"), ("c", "greet")])
    ]
    assert labels == ["danger", "self_harm", "other"]


def test_a_labelled_set_wins_over_an_nlu_intent_for_the_same_text():
    kept = deduplicated(
        [
            Example("Help!", "danger", "nlu", "", "nlu"),
            Example("help", "other", "safe", "en", "written/en.yml"),
        ]
    )
    assert [(e.label, e.category) for e in kept] == [("other", "safe")]


def test_cross_validation_holds_out_whole_files():
    examples = [Example(f"t{i}", "other", "safe", "en", f"g{i % 7}") for i in range(70)]
    folds = group_folds(examples, 3)
    assert sorted(i for fold in folds for i in fold.tolist()) == list(range(70))
    groups = [{examples[i].group for i in fold} for fold in folds]
    assert all(not (a & b) for n, a in enumerate(groups) for b in groups[n + 1 :])


def test_verdicts_at_a_threshold():
    rows = np.array([[0.6, 0.1, 0.3], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    assert verdicts_at(rows, 0.6) == ["danger", "self_harm", None]


def test_the_real_training_files_have_every_label_and_no_unknown_category():
    labelled = load_labelled()
    assert {e.label for e in labelled} == {"danger", "self_harm", "other"}
    assert any(p.parent.name == "written" for p in training_files())
