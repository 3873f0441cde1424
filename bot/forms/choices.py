"""Typed words that select one of a question's choices.

A choice is selected by its button title or any of its words from the content (any case,
without accents, with a small typo), by its number in the list, or by a phrase that contains
one of its words ("yes, my manager"). What fits no choice may still be close to one: the
caller says back what it understood, so nothing is taken silently."""

from __future__ import annotations

import re
import unicodedata
from typing import Mapping, Optional, Sequence

from rapidfuzz import fuzz

from bot.directory.spelling import normalize
from bot.language.segmentation import contains_phrase

# A typed answer, or a word of it, this close to a choice's words selects it.
MATCH_SCORE = 85
# Closer than this (but not a match) is proposed as the closest choice, and said back.
CLOSE_SCORE = 72
# Words this short are matched exactly: "no" is not "nog", "ja" is not "je".
MIN_FUZZY_CHARS = 4

_NUMBER = re.compile(r"^#?(\d{1,2})[.):]?$")
# People leave out apostrophes ("thats all", "cest tout"): they are dropped on both sides.
_APOSTROPHES = re.compile(r"['’`´]")

Options = Mapping[str, Sequence[str]]


def plain(text: str) -> str:
    """The words as typed answers are compared: bot.directory.resolution's normalize, with
    apostrophes left out rather than read as spaces."""
    return normalize(_APOSTROPHES.sub("", text))


def labels(key: str, words: Sequence[str]) -> set[str]:
    return {plain(key.replace("_", " ")), *(plain(word) for word in words if word)}


def chosen_number(text: str, count: int) -> Optional[int]:
    """The 0-based index a reply that is only a number names ("2", "2.", "٢"), if any."""
    bare = unicodedata.normalize("NFKC", text).strip()
    match = _NUMBER.match(bare)
    if not match:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= count else None


def _unique(keys: set[str]) -> Optional[str]:
    return next(iter(keys)) if len(keys) == 1 else None


def _contained(typed: str, options: Options) -> Optional[str]:
    """The one choice whose words appear as whole words in the answer; two choices named
    apart ("my manager and an advisor") select none."""
    return _unique(named_choices(typed, options))


def named_choices(typed: str, options: Options) -> set[str]:
    """The choices whose words appear as whole words in the (plain) answer. Words inside a
    longer match do not count ("harassment" inside "sexual harassment")."""
    found = [
        (label, key)
        for key, words in options.items()
        for label in labels(key, words)
        if contains_phrase(typed, label)
    ]
    return {
        key
        for label, key in found
        if not any(label != other and contains_phrase(other, label) for other, _ in found)
    }


def _score(typed: str, label: str) -> float:
    if len(label) < MIN_FUZZY_CHARS or len(typed) < MIN_FUZZY_CHARS:
        return 100.0 if typed == label else 0.0
    return float(fuzz.ratio(typed, label))


def _best(typed: str, options: Options) -> list[tuple[float, str]]:
    """Each choice's best score against the whole answer and against each run of one or two
    of its words (a typo inside a phrase: "it was bulying")."""
    tokens = typed.split()
    pieces = {typed, *tokens, *(" ".join(tokens[i : i + 2]) for i in range(len(tokens) - 1))}
    scored = [
        (max(_score(piece, label) for piece in pieces for label in labels(key, words)), key)
        for key, words in options.items()
    ]
    return sorted(scored, reverse=True)


def match_choice(text: object, options: Options, fuzzy: bool = True) -> Optional[str]:
    """The choice the answer selects, or None when none (or more than one) fits. `fuzzy`
    False: only a number, a label or a label's words in the answer, no typos; for a story,
    where any word can be a typo away from a label ("مديري", my manager, from "مدري")."""
    if not isinstance(text, str):
        return None
    number = chosen_number(text, len(options))
    if number is not None:
        return list(options)[number]
    typed = plain(text)
    if not typed:
        return None
    exact = _unique({key for key, words in options.items() if typed in labels(key, words)})
    if exact:
        return exact
    contained = _contained(typed, options)
    if contained or not fuzzy:
        return contained
    scored = _best(typed, options)
    if scored and scored[0][0] >= MATCH_SCORE:
        if len(scored) == 1 or scored[1][0] < scored[0][0]:
            return scored[0][1]
    return None


def whole_choice(text: object, options: Options) -> Optional[str]:
    """The choice whose own label the whole answer is, give or take a typo ("uso indevido de
    informacao"): a label of several words, not a story that contains one."""
    if not isinstance(text, str) or not plain(text):
        return None
    typed = plain(text)
    scored = sorted(
        ((max(_score(typed, label) for label in labels(key, words)), key)
         for key, words in options.items()),
        reverse=True,
    )  # fmt: skip
    if scored and scored[0][0] >= MATCH_SCORE and (len(scored) == 1 or scored[1][0] < MATCH_SCORE):
        return scored[0][1]
    return None


def closest_choice(text: object, options: Options) -> Optional[str]:
    """The choice nearest to an answer that selects none, when one is clearly nearest."""
    if not isinstance(text, str) or not plain(text):
        return None
    scored = _best(plain(text), options)
    if scored and scored[0][0] >= CLOSE_SCORE:
        if len(scored) == 1 or scored[1][0] + 5 < scored[0][0]:
            return scored[0][1]
    return None


# A typed message longer than this is never taken for a button: it says more than a title.
MAX_BUTTON_WORDS = 6
# A name typed from a title ("Nadia" from "Transmettre à Nadia Benali") has this many letters.
MIN_NAME_CHARS = 4


def button_for(text: object, buttons: Sequence[tuple[str, str]]) -> Optional[str]:
    """The payload of the button a short typed message names: its whole title (any case, no
    accents, a small typo), or words only that one title has ("Nadia"). None when the
    message names none, or more than one."""
    if not isinstance(text, str) or not buttons or len(text.split()) > MAX_BUTTON_WORDS:
        return None
    options = {payload: [title] for title, payload in buttons}
    if len(options) != len(buttons):
        return None  # two buttons with one payload: the title decides nothing
    whole = whole_choice(text, options)
    if whole is not None:
        return whole
    typed = plain(text)
    if len(typed.replace(" ", "")) < MIN_NAME_CHARS:
        return None
    having = [payload for title, payload in buttons if f" {typed} " in f" {plain(title)} "]
    return having[0] if len(having) == 1 else None
