"""Word beginnings (stems) found in a message, as the project's word lists read them: the
kinds of behaviour (bot/content/behaviour.py) and the words of deleting in a form
(bot/forms/interruptions.py). Each normalises the text its own way first; the matching is
shared, so an Arabic word with its article or conjunction attached ("واحذف", "والتحرش"),
or a French word after an elided article ("l'argent"), is read the same everywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Arabic attaches conjunctions, prepositions and the article to the word.
ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
# An elided French article or pronoun before a word ("l'argent", "d'argent", "qu'il").
_ELISION = re.compile(r"^(?:l|d|j|m|t|s|n|c|qu|jusqu|lorsqu|puisqu)['’]")


def word_forms(word: str) -> list[str]:
    """The word, and the word without an elided article or an attached Arabic prefix."""
    forms = [word]
    elided = _ELISION.match(word)
    if elided and len(word) > elided.end() + 1:
        forms.append(word[elided.end() :])  # French "l'argent" is "argent"
    for prefix in ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            forms.append(word[len(prefix) :])
    return forms


def forms_of(normalised: str) -> list[str]:
    return [form for word in normalised.split() for form in word_forms(word)]


def has_stem(stem: str, padded: str, forms: Sequence[str], whole_word: bool = False) -> bool:
    """Whether `stem` is in the message: a stem of several words as they stand in `padded`
    (the normalised text with a space on each side), a one-word stem at the start of a
    word's form (or, with `whole_word`, as a whole form)."""
    if " " in stem:
        return f" {stem}" in padded
    if whole_word:
        return stem in forms
    return any(form.startswith(stem) for form in forms)
