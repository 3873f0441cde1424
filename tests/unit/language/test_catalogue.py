"""The one list of languages (data/languages.yml) and what the code takes from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.store import language_buttons
from bot.language.catalogue import (
    CATALOGUE,
    OUR_SCRIPTS,
    RTL_LANGUAGES,
    SUPPORTED_LANGUAGES,
    CatalogueError,
    language_of_letters,
    load_catalogue,
)


def test_the_list_keeps_its_order_and_the_first_seven():
    assert SUPPORTED_LANGUAGES[:7] == ("nl", "en", "fr", "es", "de", "pt", "ar")
    assert "ar" in RTL_LANGUAGES and "en" not in RTL_LANGUAGES
    assert {"LATIN", "ARABIC"} <= OUR_SCRIPTS


def test_every_language_is_in_the_menu_in_its_own_name():
    buttons = language_buttons()
    assert [b.title for b in buttons] == [CATALOGUE[c].name for c in SUPPORTED_LANGUAGES]
    assert buttons[0].payload == '/change_language{"language": "nl"}'


def test_a_wrong_entry_is_refused(tmp_path: Path):
    path = tmp_path / "languages.yml"
    path.write_text("xx:\n  name: X\n  script: KLINGON\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="unknown script"):
        load_catalogue(path)
    path.write_text("xx:\n  name: X\n  direction: up\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="direction"):
        load_catalogue(path)
    # A letter of one's own is one language's: two claiming it could not name either.
    path.write_text("xx:\n  name: X\n  letters: ış\nyy:\n  name: Y\n  letters: şß\n")
    with pytest.raises(CatalogueError, match="both claim the letters ş"):
        load_catalogue(path)
    path.write_text("xx:\n  name: X\n  letters: ı ğ, ş\nyy:\n  name: Y\n  letters: ß ñ\n")
    assert load_catalogue(path)["xx"].letters == frozenset("ığş")  # no space, no comma


def test_letters_of_ones_own_name_one_language():
    assert CATALOGUE["tr"].letters == frozenset("ığş")
    assert language_of_letters("tşk") == "tr"
    assert language_of_letters("straße") == "de"
    assert language_of_letters("tsk") is None  # written without them: the vote decides
    assert language_of_letters("são paulo straße") is None  # two languages' letters: no one's


def test_an_added_entry_is_a_supported_language(tmp_path: Path):
    path = tmp_path / "languages.yml"
    path.write_text(
        "en:\n  name: English\nfa:\n  name: فارسی\n  script: ARABIC\n  direction: rtl\n"
        "  intent_target: 0.9\n",
        encoding="utf-8",
    )
    catalogue = load_catalogue(path)
    assert list(catalogue) == ["en", "fa"]
    assert catalogue["fa"].direction == "rtl" and catalogue["fa"].intent_target == 0.9
