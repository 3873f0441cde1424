"""A message's text as language identification reads it: only what says something about
the language (`clean_text`), accents folded, and whether its letters alone rule out every
language we speak (`letters_say_not_ours`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.scripts import (
    Letters,
    arabic_script_language,
    cyrillic_language,
    is_accent,
    is_arabizi_word,
    latin_letters_not_ours,
    letters_of,
)

# A message in a script none of our languages uses is not ours however short ('네', '好'),
# unless its few letters sit among more symbols: an emoticon ('¯\\_(ツ)_/¯').
EMOTICON_MAX_LETTERS = 3

_URL = re.compile(r"(https?://\S+|www\.\S+|\S+@\S+\.\S+)", re.IGNORECASE)
# Dutch names of institutions appear in messages in every language; they say nothing
# about the language of the message. Latin letters only after the name: '\w' also took the
# Chinese that follows it ('vertrouwenspersoon是啥意思'), leaving no words at all.
_PROPER_NAMES = re.compile(
    r"huis\s+voor\s+klokkenluiders|veilig\s+melden|vertrouwenspers(?:oon|onen)[a-z]*",
    re.IGNORECASE,
)
_ASCII_DIGITS = frozenset("0123456789")
_DIGITS = re.compile(r"[0-9]+")


def clean_text(text: str) -> str:
    """Keeps only what says something about the language: letters, apostrophes and the digits
    of Arabizi words ('3ayez', '7aga': Arabic written in Latin letters and digits)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _URL.sub(" ", text)
    text = _PROPER_NAMES.sub(" ", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in ("L", "M") or char in "'’" or char in _ASCII_DIGITS:
            kept.append(char)
        else:  # other digits, punctuation, emoji, symbols, control and format characters
            kept.append(" ")
    words = "".join(kept).lower().split()
    # A digit says something only inside an Arabizi word; phone numbers, dates, '2nd' go.
    words = " ".join(w if is_arabizi_word(w) else _DIGITS.sub(" ", w) for w in words).split()
    # A mark or an apostrophe with no letter ('¯' is a space and a macron) is no word.
    return " ".join(w for w in words if any(c.isalpha() for c in w))


def fold_accents(text: str) -> str:
    """'crié' -> 'crie'; also strips Arabic diacritics (harakat); keeps Hindi's vowel signs."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not is_accent(c))


def letters_say_not_ours(
    text: str, cleaned: Optional[str] = None, letters: Optional[Letters] = None
) -> bool:
    """The message's letters alone rule out all our languages (see Detection)."""
    cleaned = clean_text(text) if cleaned is None else cleaned
    letters = letters or letters_of(cleaned)
    if not letters.count or _is_emoticon(text, letters.count):
        return False
    if letters.foreign:
        return True
    if letters.script == "LATIN":
        return latin_letters_not_ours(cleaned)
    if letters.script == "ARABIC":
        named = arabic_script_language(cleaned)
        return named is not None and named not in SUPPORTED_LANGUAGES
    if letters.script == "CYRILLIC":
        named = cyrillic_language(cleaned)
        return named is not None and named not in SUPPORTED_LANGUAGES
    return False


def _is_emoticon(text: str, letters: int) -> bool:
    """A few letters among more symbols: '¯\\_(ツ)_/¯' is a shrug, not Japanese."""
    if letters > EMOTICON_MAX_LETTERS:
        return False
    symbols = sum(
        1
        for c in unicodedata.normalize("NFKC", text)
        if unicodedata.category(c)[0] in ("P", "S") and c not in _SENTENCE_PUNCTUATION
    )
    return symbols > letters


# Punctuation that ends or splits a sentence says nothing of an emoticon ('谢谢！！！').
_SENTENCE_PUNCTUATION = frozenset("!?.,;:'\"…。！？、，；：¡¿؟،")
