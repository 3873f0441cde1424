"""A language is complete when its data is (docs/languages.md): every language of
data/languages.yml passes the check `python -m bot.cli languages check` makes, and the
check finds what an incomplete language lacks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.store import load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.completeness import content_problems, problems_of

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def content():
    return load_content(ROOT / "data" / "content")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_is_complete(language, content):
    assert problems_of(ROOT, language, content) == []


def test_a_missing_text_a_changed_placeholder_and_a_missing_phrase_are_found(tmp_path: Path):
    for language in ("en", "fr"):
        shutil.copytree(ROOT / "data" / "content" / language, tmp_path / language)
    conversation = tmp_path / "fr" / "conversation.yml"
    text = conversation.read_text(encoding="utf-8")
    text = text.replace("  utter_goodbye:", "  utter_goodbye_gone:", 1)
    text = text.replace("  delete_words:", "  delete_words_gone:", 1)
    conversation.write_text(text, encoding="utf-8")
    problems = content_problems(load_content(tmp_path), "fr")
    assert "text utter_goodbye is missing" in problems
    assert "phrase delete_words is missing" in problems


def test_a_language_not_in_the_list_is_not_complete():
    assert problems_of(ROOT, "xx") == ["xx: no entry in data/languages.yml"]


def test_a_language_without_danger_training_examples_is_not_complete(tmp_path: Path):
    """Before 7 December the eight languages added later had none: the classifier knew
    their danger only from the NLU examples (docs/languages.md)."""
    for folder in ("data", "evaluation"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    missing = "data/safety/training/<round>/ru.yml: missing"
    assert problems_of(tmp_path, "ru") == []
    for examples in (tmp_path / "data" / "safety" / "training").rglob("ru.yml"):
        examples.unlink()
    assert missing in problems_of(tmp_path, "ru")
