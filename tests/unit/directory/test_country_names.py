"""A country is named in the user's language when the assistant proposes a post from a
phone number ("Going by your phone number (نيجيريا), ...")."""

from __future__ import annotations

import re

import pytest

from bot.advisor.questions import country_name
from bot.language.catalogue import SUPPORTED_LANGUAGES

ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.mark.parametrize("country", ["NG", "KZ", "XK", "MA", "IR", "SS", "US", "VN"])
def test_arabic_names_every_country_in_arabic_script(country: str):
    # phonenumbers' own names fell back to English for many ("Nigeria").
    assert ARABIC.search(country_name(country, "ar"))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_has_its_own_name_for_germany(language: str):
    names = {"nl": "Duitsland", "en": "Germany", "fr": "Allemagne", "es": "Alemania"}
    names |= {"de": "Deutschland", "pt": "Alemanha", "ar": "ألمانيا", "ru": "Германия"}
    names |= {"uk": "Німеччина", "zh": "德国", "tr": "Almanya", "id": "Jerman", "fa": "آلمان"}
    names |= {"sw": "Ujerumani", "hi": "जर्मनी"}
    assert country_name("DE", language) == names[language]


def test_an_unknown_country_is_shown_as_its_code():
    assert country_name("QQ", "ar") == "QQ"
    assert country_name(None, "en") == ""
