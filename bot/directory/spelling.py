"""Place names as they are compared: lower case, without accents, Arabic diacritics or the
Arabic article, punctuation as spaces. The post search (resolution.py) and the form answers
that name a place (bot/report, bot/forms) compare names this way."""

from __future__ import annotations

import re
import unicodedata

from bot.language.scripts import is_accent

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Persian keyboards write ی and ک where Arabic ones write ي and ك: the same letters here.
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك"}
)
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


def normalize(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, punctuation as spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in decomposed if not is_accent(char))
    # Hindi's vowel signs are marks, not letters: part of the word ('हाँ' is not 'ह').
    text = "".join(
        char if char.isalnum() or unicodedata.category(char)[0] == "M" else " " for char in text
    )
    return " ".join(text.split())


def _without_article(word: str) -> str:
    """'المغرب' -> 'مغرب', 'بالرباط' -> 'رباط': Arabic writes 'the' and 'in' onto words."""
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def without_articles(normalized: str) -> str:
    """A normalized name with no Arabic article on any of its words."""
    return " ".join(_without_article(word) for word in normalized.split())


def keys(name: str) -> set[str]:
    """A name as compared: normalized, with and without the Arabic article."""
    normalized = normalize(name)
    if not normalized:
        return set()
    return {normalized, without_articles(normalized)}
