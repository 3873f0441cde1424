"""Choosing the safety classifier's settings and threshold on its TRAINING data only
(data/safety/training/ and data/nlu/), never on the held-out set (evaluation/safety/).

Grouped k-fold cross-validation: every fold holds out whole files (a former tuning set of
one language, the written examples of one language, one NLU file), because a new held-out
set is new writing, not new sentences from the same files. Each held-out example gets the
probabilities of the model that did not see its file; thresholds are then swept on them.

The lexicons were tuned on every labelled file here, so "lexicon or classifier" in
cross-validation finds nearly everything whatever the classifier does: the classifier's
own rows are the ones to choose by. python -m bot.safety.crossval prints the table.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

from bot.safety.classifier import Prepare, SafetyModel, Settings, combine
from bot.safety.detector import SafetyDetector, detector_for
from bot.safety.lexicon import DANGER, SELF_HARM, fold
from bot.safety.training_data import (
    Example,
    deduplicated,
    load_labelled,
    load_nlu_files,
)

THRESHOLDS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98)
# The targets the threshold is chosen against (as in bot/safety/evaluation.py).
TARGET_FALSE_ALARMS = 0.01
TARGET_SHORT_ALARMS = 0


def group_folds(examples: Sequence[Example], folds: int) -> list[np.ndarray]:
    """Indices of each fold's held-out examples: whole groups, greedily balanced by size
    (largest group first into the smallest fold; ties by name, so always the same)."""
    sizes: dict[str, int] = {}
    for example in examples:
        sizes[example.group] = sizes.get(example.group, 0) + 1
    load = [0] * folds
    fold_of: dict[str, int] = {}
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        target = load.index(min(load))
        fold_of[group] = target
        load[target] += sizes[group]
    return [
        np.array([i for i, e in enumerate(examples) if fold_of[e.group] == k]) for k in range(folds)
    ]


def cross_validated(
    examples: Sequence[Example], settings: Settings, folds: int = 5, prepare: Prepare = fold
) -> np.ndarray:
    """Each example's probabilities (rows as LABELS) from the model that did not see it."""
    result = np.zeros((len(examples), 3))
    for held_out in group_folds(examples, folds):
        out = set(held_out.tolist())
        trained_on = [e for i, e in enumerate(examples) if i not in out]
        model = SafetyModel.fit(trained_on, settings, prepare)
        result[held_out] = model.probabilities([examples[i].text for i in held_out])
    return result


def verdicts_at(probabilities: np.ndarray, threshold: float) -> list[Optional[str]]:
    """As SafetyModel.verdicts, on probabilities already computed."""
    alarm = probabilities[:, 0] + probabilities[:, 1] >= threshold
    kinds = np.where(probabilities[:, 1] > probabilities[:, 0], SELF_HARM, DANGER)
    return [str(kind) if hit else None for hit, kind in zip(alarm, kinds, strict=True)]


@dataclass(frozen=True)
class Rates:
    danger: float  # danger recall (answered as danger)
    self_harm: float  # self-harm recall (answered as self-harm)
    safe: float  # false alarms on the harsh-but-safe examples
    short: int  # alarms on short answers
    nlu_emergency: float  # recall on the NLU `emergency` examples
    nlu_other: float  # alarms on the other NLU examples

    def row(self) -> str:
        return (
            f"{self.danger:.3f} | {self.self_harm:.3f} | {self.safe:.3f} | {self.short}"
            f" | {self.nlu_emergency:.3f} | {self.nlu_other:.4f}"
        )


def rates(examples: Sequence[Example], verdicts: Sequence[Optional[str]]) -> Rates:
    def share(category: str, label: Optional[str], wanted: Optional[str]) -> float:
        hits = [
            v == wanted if wanted else v is not None
            for e, v in zip(examples, verdicts, strict=True)
            if e.category == category and (label is None or e.label == label)
        ]
        return sum(hits) / len(hits) if hits else 0.0

    short = sum(1 for e, v in zip(examples, verdicts, strict=True) if e.category == "short" and v)
    return Rates(
        danger=share("danger", None, DANGER),
        self_harm=share("self_harm", None, SELF_HARM),
        safe=share("safe", None, None),
        short=short,
        nlu_emergency=share("nlu", DANGER, DANGER),
        nlu_other=share("nlu", "other", None),
    )


def choose_threshold(examples: Sequence[Example], probabilities: np.ndarray) -> float:
    """The lowest threshold of THRESHOLDS (the most danger found) whose cross-validated
    classifier alone stays within the false-alarm targets; the highest if none does."""
    for threshold in THRESHOLDS:
        found = rates(examples, verdicts_at(probabilities, threshold))
        if found.safe <= TARGET_FALSE_ALARMS and found.short <= TARGET_SHORT_ALARMS:
            return threshold
    return THRESHOLDS[-1]


def table(
    examples: Sequence[Example], probabilities: np.ndarray, detector: SafetyDetector
) -> list[str]:
    lexicon = [detector.detect(e.text) for e in examples]
    lines = [
        "| rule | threshold | danger recall | self-harm recall | false alarms (safe)"
        " | short-answer alarms | NLU emergency recall | NLU other alarms |",
        "|---|---|---|---|---|---|---|---|",
        f"| lexicon alone (tuned on these) | - | {rates(examples, lexicon).row()} |",
    ]
    for threshold in THRESHOLDS:
        alone = verdicts_at(probabilities, threshold)
        either = [combine(x, c) for x, c in zip(lexicon, alone, strict=True)]
        lines.append(f"| classifier alone | {threshold} | {rates(examples, alone).row()} |")
        lines.append(f"| lexicon or classifier | {threshold} | {rates(examples, either).row()} |")
    return lines


def training_examples() -> list[Example]:
    return deduplicated([*load_labelled(), *load_nlu_files()])


def main(arguments: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    for name, default in vars(Settings()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args(arguments)
    settings = replace(Settings(), **{k: getattr(args, k) for k in vars(Settings())})
    examples = training_examples()
    detector = detector_for()
    probabilities = cross_validated(examples, settings, args.folds, detector.affirmed)
    print(
        f"{args.folds}-fold cross-validation grouped by file, {len(examples)} examples, {settings}"
    )
    print("\n".join(table(examples, probabilities, detector)))
    print(f"chosen threshold: {choose_threshold(examples, probabilities)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
