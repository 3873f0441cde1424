"""The NLU data honours the intent contract in every language, and the held-out set stays
out of training."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.component import corpus_language
from tests.support import ROOT

CONTRACT = ROOT.parent / "shared" / "intents.md"
CONTRACT_INTENTS = {
    "greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "share_experience",
    "ask_what_counts", "ask_options", "ask_advisor_role", "find_advisor", "ask_anonymity",
    "ask_protection", "ask_process", "ask_external", "report", "check_status",
    "human_handoff", "emergency", "general_complaint", "delete_data", "change_language",
    "out_of_scope",
}  # fmt: skip
# Added beside the contract (which allows new intents): leaving a flow, self-harm, and the
# questions local staff ask about the procedure (docs/content-sources.md).
PROCEDURE_QUESTIONS = {
    "ask_manager_involved", "ask_withdraw", "ask_mediation", "ask_secretary_general",
    "ask_privacy",
}  # fmt: skip
# Has a file to give ("I have a screenshot"); files themselves arrive as payloads (issue 17).
FILES = {"share_file"}
INTENTS = CONTRACT_INTENTS | {"cancel", "skip", "self_harm"} | PROCEDURE_QUESTIONS | FILES


def _examples(files: list[Path]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in files:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            language = block["metadata"]["language"]
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    found[(language, block["intent"])].append(line.strip()[2:].strip())
    return found


@pytest.fixture(scope="module")
def training(root: Path) -> dict[tuple[str, str], list[str]]:
    return _examples(sorted((root / "data" / "nlu").glob("*/*.yml")))


class _Unshown(dict[tuple[str, str], list[str]]):
    """The held-out set, kept out of a failing test's report (pytest shows its arguments):
    whoever mends a collision must not read the rest of the set."""

    def __repr__(self) -> str:
        return f"<held-out examples of {len(self)} intents and languages, not shown>"


@pytest.fixture(scope="module")
def heldout(root: Path) -> dict[tuple[str, str], list[str]]:
    folder = root / "evaluation" / "heldout"
    return _Unshown(_examples([folder / f"{code}.yml" for code in SUPPORTED_LANGUAGES]))


def test_intent_names_are_the_published_contract(training, root: Path):
    if CONTRACT.exists():  # the contract lives beside the repository
        published = set(re.findall(r"^\| (\w+) \|", CONTRACT.read_text(), re.MULTILINE))
        assert CONTRACT_INTENTS <= published - {"intent"} <= INTENTS
    domain = yaml.safe_load((root / "domain.yml").read_text())
    assert set(domain["intents"]) == INTENTS
    assert {intent for _, intent in training} == INTENTS


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_intent_has_at_least_20_examples_per_language(training, language: str):
    counts = {intent: len(training.get((language, intent), [])) for intent in INTENTS}
    too_few = {intent: n for intent, n in counts.items() if n < 20}
    assert not too_few, f"{language}: {too_few}"


def test_no_example_is_given_two_intents(training):
    seen: dict[str, str] = {}
    clashes = []
    for (_language, intent), examples in training.items():
        for example in examples:
            key = example.lower()
            if key in seen and seen[key] != intent:
                clashes.append((example, seen[key], intent))
            seen[key] = intent
    assert not clashes


def folded(text: str) -> str:
    """The text as a tokenizer nearly sees it: lower case, no accents, no punctuation."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def test_folding_ignores_case_accents_and_punctuation():
    assert folded("¿Sí, claro?") == folded("si claro") == "si claro"
    assert folded("re-bonjour") == "re bonjour"
    assert folded("سجّل بلاغي") == folded("سجل بلاغي")
    assert folded("ik wil melden") != folded("ik wil niet melden")


def test_heldout_examples_are_not_in_training(training, heldout):
    # Folded: "Kan ik anoniem melden?" held out is the same test as "kan ik anoniem melden" trained.
    trained = {folded(e) for examples in training.values() for e in examples}
    leaked = [e for examples in heldout.values() for e in examples if folded(e) in trained]
    # Only the count and the leaked lines: the rest of the held-out set stays out of sight.
    assert not leaked, f"{len(leaked)} training examples repeat held-out messages: {leaked}"
    # Self-harm is held out with the danger messages, in evaluation/safety/.
    assert {intent for _, intent in heldout} == INTENTS - {"self_harm"}


def test_heldout_examples_are_not_among_the_language_detectors_chat_lines(heldout, root: Path):
    # data/language_id/ teaches the language detector alone; a held-out message written there
    # under its own language would be read, not recognised.
    chat: set[tuple[str, str]] = set()
    for path in (root / "data" / "language_id").glob("*.txt"):
        language = corpus_language(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        chat |= {(language, folded(line)) for line in lines if line.strip()}
    leaked = [
        e for (language, _), examples in heldout.items() for e in examples
        if (language, folded(e)) in chat
    ]  # fmt: skip
    assert not leaked, f"{len(leaked)} chat lines repeat held-out messages: {leaked}"
