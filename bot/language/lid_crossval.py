"""Choosing the language vote's weights (bot/language/detection.py: how much the domain model
counts against lid.176, the prior for our languages, and how much the lexicon's languages
count on a short message, bot/language/lexicon.py) on the NLU TRAINING data only
(data/nlu/), never on the held-out set (evaluation/heldout/).

5-fold cross-validation: the domain model is trained as `rasa train` trains it
(bot/language/component.py) on four fifths of the examples and the corpora of the languages
we do not speak, and the fifth fifth is read with each pair of weights. A message counts once
per language, and a message the training folds hold in the same language is not tested: the
held-out set's rule. Lines written alike in several of our languages ('ok', 'прив') are left
out; no vote can be right on them. python -m bot.language.lid_crossval prints the tables:
short messages (at most SHORT_WORDS words, as bot/language/evaluation.py counts them), the
first-message outcome of the short ones, and the longer messages.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from bot.language.component import (
    LanguageDetector,
    example_language,
    other_language_lines,
    train_domain_model,
)
from bot.language.conversation import next_conversation_language
from bot.language.detection import (
    DOMAIN_WEIGHT,
    LEXICON_WEIGHT,
    SUPPORTED_PRIOR,
    LanguageIdentifier,
)
from bot.language.evaluation import SHORT_WORDS
from bot.language.lexicon import MAX_LANGUAGES, Lexicon
from bot.language.scripts import count_words
from bot.language.text import clean_text, fold_accents
from bot.settings import PROJECT_ROOT

DOMAIN_WEIGHTS: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
PRIORS: tuple[float, ...] = (1.0, 2.0, 4.0)
# The lexicon's weight and how many tied languages it may favour, tried with today's domain
# weight and prior (1.0: no lexicon).
LEXICON_WEIGHTS: tuple[float, ...] = (3.0, 10.0, 30.0)
LEXICON_LANGUAGES: tuple[int, ...] = (1, 2, 3)
# (domain weight, prior, lexicon weight, lexicon languages)
Weights = tuple[float, float, float, int]
TODAY: Weights = (DOMAIN_WEIGHT, SUPPORTED_PRIOR, LEXICON_WEIGHT, MAX_LANGUAGES)


def grid() -> list[Weights]:
    without = [(w, p, 1.0, MAX_LANGUAGES) for w in DOMAIN_WEIGHTS for p in PRIORS]
    lexicon = [
        (DOMAIN_WEIGHT, SUPPORTED_PRIOR, weight, languages)
        for weight in LEXICON_WEIGHTS
        for languages in LEXICON_LANGUAGES
    ]
    return without + lexicon


@dataclass
class Outcome:
    short: int = 0
    short_right: int = 0
    first_right: int = 0
    first_wrong: int = 0
    long: int = 0
    long_right: int = 0
    per_language: Counter = field(default_factory=Counter)
    per_language_right: Counter = field(default_factory=Counter)


def labelled_lines(directory: Path = PROJECT_ROOT / "data" / "nlu") -> list[tuple[str, str]]:
    """(language, clean_text) of every intent example, once each, without the lines written
    alike in several of our languages."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(directory)])
    languages: dict[str, set[str]] = defaultdict(set)
    for message in importer.get_nlu_data().intent_examples:
        code, text = example_language(message), clean_text(message.get("text") or "")
        if code and text:
            languages[text].add(code)
    return sorted((codes.pop(), text) for text, codes in languages.items() if len(codes) == 1)


def _identifier(
    train: list[tuple[str, str]], others: list[str], folder: Path
) -> LanguageIdentifier:
    model = folder / "domain.bin"
    lines = [f"__label__{code} {fold_accents(text)}" for code, text in train] + others
    train_domain_model(lines, model, LanguageDetector.get_default_config())
    return LanguageIdentifier(model, lexicon=Lexicon.from_training_lines(lines))


def cross_validate(folds: int, seed: int = 1) -> dict[Weights, Outcome]:
    examples = labelled_lines()
    others = other_language_lines(PROJECT_ROOT / "data" / "language_id")
    random.Random(seed).shuffle(examples)
    outcomes: dict[Weights, Outcome] = defaultdict(Outcome)
    for fold in range(folds):
        test = examples[fold::folds]
        train = [e for i, e in enumerate(examples) if i % folds != fold]
        with tempfile.TemporaryDirectory() as folder:
            identifier = _identifier(train, others, Path(folder))
        for code, text in test:
            short = count_words(text) <= SHORT_WORDS
            for weights in grid():
                identifier.domain_weight, identifier.supported_prior = weights[:2]
                identifier.lexicon_weight, identifier.lexicon_languages = weights[2:]
                detection = identifier.detect(text)
                right = detection.code == code
                outcome = outcomes[weights]
                if short:
                    outcome.short += 1
                    outcome.short_right += right
                    outcome.per_language[code] += 1
                    outcome.per_language_right[code] += right
                    first = next_conversation_language(None, detection)
                    outcome.first_right += first == code
                    outcome.first_wrong += first is not None and first != code
                else:
                    outcome.long += 1
                    outcome.long_right += right
        print(f"fold {fold + 1} of {folds} done", file=sys.stderr)
    return outcomes


def table(outcomes: dict[Weights, Outcome]) -> list[str]:
    lines = [
        "| domain weight | prior | lexicon weight | lexicon languages | short right"
        " | worst language (short) | first message: own / wrong | longer right |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for weights, o in sorted(outcomes.items()):
        rates = {c: o.per_language_right[c] / o.per_language[c] for c in o.per_language}
        worst = min(rates, key=rates.__getitem__)
        current = " (today)" if weights == TODAY else ""
        weight, prior, lexicon, languages = weights
        lines.append(
            f"| {weight}{current} | {prior} | {lexicon} | {languages} |"
            f" {o.short_right / o.short:.4f} |"
            f" {worst} {rates[worst]:.3f} | {o.first_right} / {o.first_wrong} of {o.short} |"
            f" {o.long_right / o.long:.4f} |"
        )
    return lines


def main(arguments: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(arguments)
    outcomes = cross_validate(args.folds)
    print(f"{args.folds}-fold cross-validation of the language vote on data/nlu")
    print("\n".join(table(outcomes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
