"""Every text the assistant can say exists in every supported language, consistently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content.rendering import placeholders_in
from bot.content.store import load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES


@pytest.fixture(scope="module")
def content(root: Path):
    return load_content(root / "data" / "content")


def _responses_used_by_the_dialogue(root: Path) -> set[str]:
    names = set(yaml.safe_load((root / "domain.yml").read_text())["responses"])
    # The actions, bot/report/ which decides what the report form's answers call for, and
    # bot/evidence/ which decides how a file is answered.
    folders = [root / "actions", root / "bot" / "report", root / "bot" / "evidence"]
    for path in [path for folder in folders for path in folder.glob("*.py")]:
        names |= set(re.findall(r'"(utter_\w+)"', path.read_text()))
    return names


def test_content_exists_for_exactly_the_supported_languages(content):
    assert set(content.responses) == set(SUPPORTED_LANGUAGES)


def test_every_response_the_dialogue_uses_has_content(content, root: Path):
    used = _responses_used_by_the_dialogue(root)
    assert used, "no responses found in domain.yml and actions/"
    for language in SUPPORTED_LANGUAGES:
        missing = used - set(content.responses[language])
        assert not missing, f"{language} lacks {sorted(missing)}"


# Texts made of every language's own words: the menu's buttons, the welcome's lines.
SAME_IN_EVERY_LANGUAGE = frozenset({"utter_language_menu", "utter_welcome"})


@pytest.mark.parametrize("language", [c for c in SUPPORTED_LANGUAGES if c != "en"])
def test_every_language_has_the_same_responses_buttons_and_placeholders(content, language):
    english, other = content.responses["en"], content.responses[language]
    assert set(other) == set(english), f"{language} differs in response names"
    for name, response in english.items():
        translated = other[name]
        assert placeholders_in(translated.text) == placeholders_in(response.text), name
        assert [b.payload for b in translated.buttons] == [b.payload for b in response.buttons]
        assert translated.text != response.text or name in SAME_IN_EVERY_LANGUAGE, (
            f"{language} {name} is still English"
        )
    assert set(content.phrases[language]) == set(content.phrases["en"])


def test_language_changed_names_its_own_language(content, root: Path):
    own_names = {
        code: entry["name"]
        for code, entry in yaml.safe_load((root / "data" / "languages.yml").read_text()).items()
    }
    for language in SUPPORTED_LANGUAGES:
        text = content.responses[language]["utter_language_changed"].text.lower()
        # e.g. "in English", "en français", "auf Deutsch", "بالعربية"
        stem = own_names[language].lower()[:5]
        assert stem in text or "عربي" in text, f"{language}: {text}"


def test_every_behaviour_category_has_a_phrase_in_every_language(content):
    from bot.content.behaviour import CATEGORIES

    for language in SUPPORTED_LANGUAGES:
        for category in CATEGORIES:
            assert content.phrases[language].get(f"behaviour_{category}"), (language, category)
