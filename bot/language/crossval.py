"""Choosing how much the meaning model weighs in the intent ensemble, on the NLU TRAINING
data only (data/nlu/), never on the held-out set (evaluation/heldout/).

Stratified 5-fold cross-validation: each fold's messages get the probabilities of the
models that did not see them; the ensemble's accuracy is then computed for each
`meaning_weight`. DIET takes minutes to train, so a logistic regression on the same kind
of features (character n-grams within words, TF-IDF) stands in for it here; fastText and
the meaning model are the component's own. python -m bot.language.crossval prints the table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.language.detection import distribution, read_fasttext
from bot.language.intent_ensemble import IntentEnsemble, normalise
from bot.language.meaning import MeaningModel
from bot.language.training import train_fasttext
from bot.settings import PROJECT_ROOT

WEIGHTS: tuple[float, ...] = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0)


def nlu_examples(directory: Path = PROJECT_ROOT / "data" / "nlu") -> list[tuple[str, str]]:
    """(text, intent) of every intent example, as Rasa reads them (entity markup removed)."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(directory)])
    data = importer.get_nlu_data()
    return sorted(
        {(e.get("text"), e.get("intent")) for e in data.intent_examples if normalise(e.get("text"))}
    )


def _columns(classes: Sequence[str], names: Sequence[str], rows: np.ndarray) -> np.ndarray:
    return rows[:, [list(names).index(c) for c in classes]]


def _fasttext(train: list[tuple[str, str]], test: list[str], classes: list[str]) -> np.ndarray:
    config = IntentEnsemble.get_default_config()
    with tempfile.TemporaryDirectory() as folder:
        model_file = Path(folder) / "intents.bin"
        lines = [f"__label__{intent} {normalise(text)}" for text, intent in train]
        train_fasttext(lines, model_file, config, minn=3, maxn=6, wordNgrams=2)
        model = read_fasttext(str(model_file))
    result = np.zeros((len(test), len(classes)))
    for row, text in enumerate(test):
        for intent, p in distribution(model, normalise(text)).items():
            result[row, classes.index(intent)] = p
    return result


def _ngrams(train: list[tuple[str, str]], test: list[str], classes: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectorizer.fit_transform([text for text, _ in train])
    model = LogisticRegression(C=10, max_iter=3000).fit(matrix, [i for _, i in train])
    return _columns(classes, model.classes_, model.predict_proba(vectorizer.transform(test)))


def accuracies(examples: list[tuple[str, str]], folds: int, c: float) -> dict[float, float]:
    from sklearn.model_selection import StratifiedKFold

    intents = np.array([intent for _, intent in examples])
    classes = sorted(set(intents.tolist()))
    right: dict[float, int] = dict.fromkeys(WEIGHTS, 0)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=1)
    for train_rows, test_rows in splitter.split(np.zeros(len(examples)), intents):
        train = [examples[i] for i in train_rows]
        test = [examples[i][0] for i in test_rows]
        base = (_ngrams(train, test, classes) + _fasttext(train, test, classes)) / 2
        meaning = MeaningModel.fit([t for t, _ in train], [i for _, i in train], c)
        sentences = _columns(classes, meaning.intents, meaning.probabilities(test))
        for weight in WEIGHTS:
            predicted = np.array(classes)[((1 - weight) * base + weight * sentences).argmax(1)]
            right[weight] += int((predicted == intents[test_rows]).sum())
    return {weight: count / len(examples) for weight, count in right.items()}


def main(arguments: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=IntentEnsemble.get_default_config()["meaning_c"])
    args = parser.parse_args(arguments)
    examples = nlu_examples()
    print(f"{args.folds}-fold cross-validation, {len(examples)} NLU examples, C={args.c}")
    print("| meaning_weight | accuracy |\n|---|---|")
    for weight, accuracy in accuracies(examples, args.folds, args.c).items():
        print(f"| {weight} | {accuracy:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
