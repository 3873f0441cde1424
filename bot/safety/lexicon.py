r"""The danger and self-harm lexicons: regular expressions per language, kept as data in
data/safety/<lang>.yml, matched on folded text so that missing accents, capitals,
punctuation and Arabic spelling variants do not matter.

A lexicon file has four lists (each optional):
- `danger`: immediate danger (a weapon, violence now or tonight, someone at the door,
  locked in, just assaulted, a threat to kill);
- `self_harm`: thoughts of suicide or self-harm;
- `not_danger`, `not_self_harm`: phrases that contain the words but say the opposite
  ("I'm not in danger", "I'm not suicidal"); they are blanked out before the other lists
  are matched, so "I'm not in danger but he has a knife" still matches the knife.

Patterns are written in lower case (the text is lower-cased; a pattern is not, so that
`\S` and `\B` keep their meaning) and folded like the text (accents and Arabic letter
variants), so they can be written with accents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

DANGER = "danger"
SELF_HARM = "self_harm"
LISTS = ("danger", "not_danger", "self_harm", "not_self_harm")

# Letters written in several ways: German sharp s; Arabic hamza seats, alef maqsura, ta
# marbuta, Persian forms; tatweel (ـ) only stretches a word.
_VARIANTS = str.maketrans(
    {"ß": "ss", "ى": "ي", "ة": "ه", "ک": "ك", "ی": "ي", "ٱ": "ا", "ـ": None, "ء": None}
)
# Apostrophes and every other punctuation or symbol become a space: "don't" -> "don t",
# "j'ai" -> "j ai". Digits stay: Arabizi writes letters with them ("3ayez", "7aga").
_NOT_WORD = re.compile(r"[^\w]+")


# A letter typed twice or more counts once ("gunn", "kill", "appartment", "بااااب"), in the
# text and in the patterns alike, so doubled or missing doubled letters still match.
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")


def fold(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, one spelling per Arabic letter, repeated
    letters once, words separated by single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.translate(_VARIANTS).replace("_", " ")
    text = _REPEATED_LETTER.sub(r"\1", text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _collapse_repeated_letters(pattern: str) -> str:
    """Repeated letters once, as in `fold`, leaving escapes ("\\bb...") whole; also a
    doubled letter split by a group: "cut(ting)?" -> "cut(ing)?", as "cutting" -> "cuting"."""
    out: list[str] = []
    previous = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            previous = ""
            index += 2
            continue
        if char == "(" and previous and pattern[index + 1 : index + 2] == previous:
            out.append(char)
            index += 2
            continue
        if not (char.isalpha() and char == previous):
            out.append(char)
        previous = char if char.isalpha() else ""
        index += 1
    return "".join(out)


def fold_pattern(pattern: str) -> str:
    """The same folding for a pattern, leaving its regular-expression syntax alone."""
    pattern = unicodedata.normalize("NFKC", pattern)
    pattern = "".join(
        c for c in unicodedata.normalize("NFKD", pattern) if not unicodedata.combining(c)
    )
    return _collapse_repeated_letters(pattern.translate(_VARIANTS))


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Lexicon:
    """One language's lists, each compiled into one alternation."""

    name: str
    danger: re.Pattern[str] | None
    not_danger: re.Pattern[str] | None
    self_harm: re.Pattern[str] | None
    not_self_harm: re.Pattern[str] | None


def _compile(patterns: Iterable[str], where: str) -> re.Pattern[str] | None:
    folded = []
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise LexiconError(f"{where}: every entry must be a non-empty string")
        try:
            re.compile(fold_pattern(pattern))
        except re.error as error:
            raise LexiconError(f"{where}: {pattern!r} is not a valid expression: {error}") from None
        folded.append(f"(?:{fold_pattern(pattern)})")
    return re.compile("|".join(folded)) if folded else None


def load_lexicon(path: Path) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping with the lists {', '.join(LISTS)}")
    unknown = set(data) - set(LISTS) - {"language"}
    if unknown:
        raise LexiconError(f"{path}: unknown keys {sorted(unknown)}")
    compiled = {key: _compile(data.get(key) or [], f"{path} {key}") for key in LISTS}
    return Lexicon(name=path.stem, **compiled)


def load_lexicons(directory: Path) -> tuple[Lexicon, ...]:
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise LexiconError(f"{directory}: no lexicon files (<lang>.yml)")
    return tuple(load_lexicon(path) for path in paths)
