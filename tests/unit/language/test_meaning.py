"""The intent's third opinion: a sentence's meaning, whatever words and language it uses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.language.intent_ensemble import combine, settled
from bot.language.meaning import MeaningModel, vectors

# A few English examples per intent; the messages below share almost no words with them.
EXAMPLES = {
    "report": ["I want to report harassment", "I would like to file a complaint"],
    "find_advisor": ["who can I talk to in confidence", "I need a confidential advisor"],
    "greet": ["hello", "good morning"],
    "ask_anonymity": ["can I stay anonymous", "will they know my name"],
}


@pytest.fixture(scope="module")
def model() -> MeaningModel:
    texts = [text for examples in EXAMPLES.values() for text in examples]
    intents = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    return MeaningModel.fit(texts, intents, c=30.0)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("quiero denunciar un acoso", "report"),
        ("ik wil een klacht indienen", "report"),
        ("met wie kan ik vertrouwelijk praten", "find_advisor"),
        ("bonjour", "greet"),
        ("kann ich anonym bleiben?", "ask_anonymity"),
        ("هل سيعرفون اسمي", "ask_anonymity"),
    ],
)
def test_a_message_in_another_language_is_read_by_its_meaning(model, text, intent):
    ranking = model.ranking(text)
    assert max(ranking, key=ranking.__getitem__) == intent


def test_probabilities_are_a_distribution_over_the_intents(model):
    rows = model.probabilities(["hola", "who do I talk to"])
    assert rows.shape == (2, len(EXAMPLES))
    assert np.allclose(rows.sum(axis=1), 1.0)


def test_a_saved_model_loads_with_the_same_answers(model, tmp_path):
    model.save(tmp_path / "meaning.npz")
    loaded = MeaningModel.load(tmp_path / "meaning.npz")
    texts = ["quiero denunciar", "hallo"]
    assert loaded.intents == model.intents
    assert np.allclose(loaded.probabilities(texts), model.probabilities(texts), atol=1e-6)


def test_a_vector_does_not_depend_on_spacing_or_compatibility_characters():
    a, b = vectors(["ik wil iets melden", "  ik  wil\niets ｍｅｌｄｅｎ "])
    assert float(a @ b) == pytest.approx(1.0, abs=1e-5)


def test_the_meaning_can_outvote_two_n_gram_models_that_agree_weakly():
    ranking = combine(
        [{"name": "greet", "confidence": 0.4}, {"name": "report", "confidence": 0.35}],
        {"greet": 0.4, "report": 0.35},
        weight=0.5,
        meaning={"report": 0.9, "greet": 0.05},
        meaning_weight=0.4,
    )
    assert ranking[0]["name"] == "report"
    assert ranking[0]["confidence"] == pytest.approx(0.6 * 0.35 + 0.4 * 0.9)


INTENTS = ("report", "greet", "ask_anonymity", "cancel")
distributions = st.lists(st.floats(0.0, 1.0), min_size=len(INTENTS), max_size=len(INTENTS)).filter(
    lambda row: sum(row) > 0
)


def _normalised(row: list[float]) -> dict[str, float]:
    return {intent: p / sum(row) for intent, p in zip(INTENTS, row, strict=True)}


@given(diet=distributions, fasttext=distributions, meaning=distributions)
def test_when_the_n_gram_models_are_settled_the_meaning_could_not_change_the_intent(
    diet, fasttext, meaning
):
    """The ensemble asks the meaning model only below `settled`: above it, whatever the
    meaning says, the intent is the one DIET and fastText agreed on."""
    diet_ranking = [{"name": n, "confidence": p} for n, p in _normalised(diet).items()]
    without = combine(diet_ranking, _normalised(fasttext), 0.5)
    with_meaning = combine(diet_ranking, _normalised(fasttext), 0.5, _normalised(meaning), 0.4)
    if without[0]["confidence"] > settled(0.4):
        assert with_meaning[0]["name"] == without[0]["name"]


def test_the_meaning_is_asked_below_the_settled_confidence_only():
    assert settled(0.4) == pytest.approx(5 / 6)
    assert settled(0.0) == 0.5
    assert settled(0.5) == float("inf")
