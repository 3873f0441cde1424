"""Whether a language's data is complete (docs/languages.md): every folder and file a language
needs, every text English has, with its placeholders and buttons, enough training examples
per intent, held-out messages and typed conversations. `python -m bot.cli languages check
[CODE ...]` prints the problems; the unit tests run the same checks for every language of
data/languages.yml.

Nothing here trains or evaluates: the targets on the held-out sets are `bin/evaluate`'s.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

import yaml

from bot.content.rendering import placeholders_in
from bot.content.store import REVIEW_STATES, Content, load_content
from bot.language.catalogue import CATALOGUE

REFERENCE_LANGUAGE = "en"
MIN_EXAMPLES_PER_INTENT = 20
MIN_HELDOUT_PER_INTENT = 5
MIN_CONVERSATIONS = 20
# Thoughts of self-harm are measured on evaluation/safety/<language>.yml, not held-out intents.
NOT_HELD_OUT = frozenset({"self_harm"})


def _yaml(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def intent_counts(folder: Path) -> Counter[str]:
    """Examples per intent in a folder of Rasa NLU files (or one file)."""
    counts: Counter[str] = Counter()
    paths = sorted(folder.glob("*.yml")) if folder.is_dir() else [folder]
    for path in paths:
        data = _yaml(path)
        for block in data.get("nlu", []) if isinstance(data, dict) else []:
            if isinstance(block, dict) and "intent" in block:
                examples = str(block.get("examples") or "").splitlines()
                counts[block["intent"]] += sum(1 for e in examples if e.strip().startswith("- "))
    return counts


def content_problems(content: Content, language: str) -> list[str]:
    """What the language's texts lack against English: names, placeholders, buttons."""
    english = content.responses.get(REFERENCE_LANGUAGE, {})
    own = content.responses.get(language)
    if own is None:
        return [f"data/content/{language}/: no texts"]
    problems = [f"text {name} is missing" for name in sorted(set(english) - set(own))]
    problems += [f"text {name} is not in English" for name in sorted(set(own) - set(english))]
    for name in sorted(set(english) & set(own)):
        if placeholders_in(own[name].text) != placeholders_in(english[name].text):
            problems.append(f"text {name}: other placeholders than in English")
        if [b.payload for b in own[name].buttons] != [b.payload for b in english[name].buttons]:
            problems.append(f"text {name}: other buttons than in English")
    phrases, english_phrases = (
        content.phrases.get(language, {}),
        content.phrases[REFERENCE_LANGUAGE],
    )
    problems += [
        f"phrase {name} is missing" for name in sorted(set(english_phrases) - set(phrases))
    ]
    return problems


def _file_problems(root: Path, language: str) -> list[str]:
    problems = []
    for path in (
        f"data/nlu/{language}",
        f"data/behaviour/{language}.yml",
        f"data/safety/{language}.yml",
        f"data/directory/names/{language}.yml",
        f"data/content/{language}/dates.yml",
        f"evaluation/heldout/{language}.yml",
        f"evaluation/conversations/{language}.yml",
        f"evaluation/safety/{language}.yml",
    ):
        if not (root / path).exists():
            problems.append(f"{path}: missing")
    # The safety classifier's examples in the language, in any round's folder.
    if not any((root / "data" / "safety" / "training").rglob(f"{language}.yml")):
        problems.append(f"data/safety/training/<round>/{language}.yml: missing")
    for file in sorted((root / "data" / "content" / language).glob("*.yml")):
        data = _yaml(file)
        review = data.get("review") if isinstance(data, dict) else None
        if review not in REVIEW_STATES:
            problems.append(f"{file.relative_to(root)}: `review` must be one of {REVIEW_STATES}")
    return problems


def _example_problems(root: Path, language: str, intents: Iterable[str]) -> list[str]:
    problems = []
    training = intent_counts(root / "data" / "nlu" / language)
    heldout_path = root / "evaluation" / "heldout" / f"{language}.yml"
    heldout = intent_counts(heldout_path) if heldout_path.exists() else Counter()
    for intent in sorted(intents):
        if training[intent] < MIN_EXAMPLES_PER_INTENT:
            problems.append(
                f"intent {intent}: {training[intent]} training examples"
                f" (at least {MIN_EXAMPLES_PER_INTENT})"
            )
        if intent in NOT_HELD_OUT:
            continue
        if heldout_path.exists() and heldout[intent] < MIN_HELDOUT_PER_INTENT:
            problems.append(
                f"intent {intent}: {heldout[intent]} held-out messages"
                f" (at least {MIN_HELDOUT_PER_INTENT})"
            )
    conversations_path = root / "evaluation" / "conversations" / f"{language}.yml"
    if conversations_path.exists():
        data = _yaml(conversations_path)
        count = len(data.get("conversations") or []) if isinstance(data, dict) else 0
        if count < MIN_CONVERSATIONS:
            problems.append(f"{count} typed conversations (at least {MIN_CONVERSATIONS})")
    return problems


def problems_of(root: Path, language: str, content: Content | None = None) -> list[str]:
    """Everything the language still lacks; an empty list when it is complete."""
    if language not in CATALOGUE:
        return [f"{language}: no entry in data/languages.yml"]
    content = content or load_content(root / "data" / "content")
    intents = intent_counts(root / "data" / "nlu" / REFERENCE_LANGUAGE)
    return (
        _file_problems(root, language)
        + content_problems(content, language)
        + _example_problems(root, language, intents)
    )
