"""The console's own texts: the same keys in every console language, with the same
placeholders, and the page language taken from the browser."""

from __future__ import annotations

import re

from bot.console.texts import Texts, all_texts, chosen_language, direction


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_every_text_exists_in_english_and_dutch_with_the_same_placeholders():
    texts = all_texts()
    assert {"en", "nl"} <= set(texts)
    for language, own in texts.items():
        assert set(own) == set(texts["en"]), language
        for key, text in own.items():
            assert placeholders(text) == placeholders(texts["en"][key]), (language, key)


def test_the_first_language_the_console_speaks_is_chosen():
    assert chosen_language("nl-BE,nl;q=0.9,en;q=0.8") == "nl"
    assert chosen_language("fr-FR,fr;q=0.9,nl;q=0.8,en;q=0.7") == "nl"
    assert chosen_language("de, en;q=0.5, nl;q=0.9") == "nl"
    assert chosen_language("") == "en"
    assert chosen_language("x" * 5000) == "en"


def test_texts_are_filled_in():
    assert Texts("nl")("password_intro", length=12).endswith("(minstens 12 tekens).")
    assert Texts("zz").language == "en"


def test_arabic_is_right_to_left():
    assert direction("ar") == "rtl" and direction("fr") == "ltr"
