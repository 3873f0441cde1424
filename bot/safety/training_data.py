"""The safety classifier's training examples: the labelled sets in data/safety/training/
(the lexicons' former tuning sets and examples written for the classifier) plus the NLU
training examples (intent `emergency` -> danger, `self_harm` -> self_harm, any other
intent -> other). Never the held-out set (evaluation/safety/).

A labelled file is either one language (`language: xx` and the lists `danger`,
`self_harm`, `safe`, `short`) or several (`xx: {danger: [...], ...}`). Every example keeps
its `group` (the file it came from) so that cross-validation can hold out whole files,
which is how a new held-out set differs from what was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from bot.safety.decision import EMERGENCY_INTENT, SELF_HARM_INTENT
from bot.safety.lexicon import DANGER, SELF_HARM, fold
from bot.settings import PROJECT_ROOT

OTHER = "other"
LABELS: tuple[str, ...] = (DANGER, SELF_HARM, OTHER)
CATEGORIES: tuple[str, ...] = ("danger", "self_harm", "safe", "short")
# A labelled set's categories as classifier labels: harsh-but-safe and short answers are
# both `other`; the category is kept apart for the false-alarm figures.
LABEL_OF = {"danger": DANGER, "self_harm": SELF_HARM, "safe": OTHER, "short": OTHER}
INTENT_LABELS = {EMERGENCY_INTENT: DANGER, SELF_HARM_INTENT: SELF_HARM}

DEFAULT_TRAINING_DIR = PROJECT_ROOT / "data" / "safety" / "training"
DEFAULT_NLU_DIR = PROJECT_ROOT / "data" / "nlu"


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # DANGER, SELF_HARM or OTHER
    category: str  # danger, self_harm, safe, short; `nlu` for an NLU example
    language: str
    group: str  # the file it came from, relative to its folder


def training_files(directory: Path = DEFAULT_TRAINING_DIR) -> list[Path]:
    """Every labelled file, in a fixed order (bin/train fingerprints the same files)."""
    return sorted(directory.rglob("*.yml"))


def _blocks(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    if "language" in data:  # one language per file
        yield str(data["language"]), {k: v for k, v in data.items() if k != "language"}
    else:
        for language, block in data.items():
            yield str(language), block or {}


def load_labelled(directory: Path = DEFAULT_TRAINING_DIR) -> list[Example]:
    examples = []
    for path in training_files(directory):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        group = str(path.relative_to(directory))
        for language, block in _blocks(data):
            unknown = set(block) - set(CATEGORIES)
            if unknown:
                raise ValueError(f"{path}: unknown categories {sorted(unknown)}")
            for category in CATEGORIES:
                examples += [
                    Example(str(text), LABEL_OF[category], category, language, group)
                    for text in block.get(category) or []
                ]
    return examples


def nlu_examples(pairs: Iterable[tuple[str, str]], group: str = "nlu") -> list[Example]:
    """(text, intent) pairs as examples; the language is not known here."""
    return [
        Example(text, INTENT_LABELS.get(intent, OTHER), "nlu", "", group)
        for text, intent in pairs
        if text and intent
    ]


def load_nlu_files(directory: Path = DEFAULT_NLU_DIR) -> list[Example]:
    """The NLU training files read directly (for cross-validation and the evaluation
    without a Rasa model), grouped by file."""
    examples = []
    for path in sorted(directory.glob("*/*.yml")):
        group = str(path.relative_to(directory))
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            pairs = [
                (line.strip()[2:].strip(), str(block["intent"]))
                for line in str(block.get("examples") or "").splitlines()
                if line.strip().startswith("- ")
            ]
            examples += [
                Example(e.text, e.label, e.category, path.parent.name, group)
                for e in nlu_examples(pairs, group)
            ]
    return examples


def deduplicated(examples: Iterable[Example]) -> list[Example]:
    """One example per folded text; a labelled set's label wins over an NLU intent (the sets
    were written for this question, an intent for another), and an alarm over `other`."""

    def rank(example: Example) -> tuple[int, int]:
        return (example.category == "nlu", example.label == OTHER)

    chosen: dict[str, Example] = {}
    for example in examples:
        key = fold(example.text)
        if not key:
            continue
        if key not in chosen or rank(example) < rank(chosen[key]):
            chosen[key] = example
    return [chosen[key] for key in sorted(chosen)]
