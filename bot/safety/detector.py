"""Says whether a message speaks of immediate danger or of suicide or self-harm.

Every lexicon is matched on every message, whatever its detected language: a frightened
person may mix languages, write Arabic in Latin letters, or be misidentified on three
words. For the same reason the negations of every lexicon ("not in danger", "no tengo
ideas suicidas") are blanked out before any lexicon's patterns are matched. Self-harm wins
over danger when both match: its answer also gives the emergency number, and it must never
be answered as if only the place were unsafe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from bot.safety.lexicon import DANGER, SELF_HARM, Lexicon, fold, load_lexicons
from bot.settings import PROJECT_ROOT

DEFAULT_LEXICON_DIR = PROJECT_ROOT / "data" / "safety"


@dataclass(frozen=True)
class Finding:
    """What the lexicons found: the verdict and which lexicons fired (never the text)."""

    kind: Optional[str]  # DANGER, SELF_HARM or None
    danger_in: tuple[str, ...] = ()
    self_harm_in: tuple[str, ...] = ()


def _blank(folded: str, negations: Iterable[Optional[re.Pattern[str]]]) -> str:
    for negated in negations:
        if negated is not None:
            folded = negated.sub(" ", folded)
    return folded


class SafetyDetector:
    def __init__(self, lexicons: tuple[Lexicon, ...]) -> None:
        self._lexicons = lexicons

    @classmethod
    def from_directory(cls, directory: Path = DEFAULT_LEXICON_DIR) -> SafetyDetector:
        return cls(load_lexicons(directory))

    def find(self, text: str) -> Finding:
        folded = f" {fold(text)} "
        if not folded.strip():
            return Finding(kind=None)
        # Negations are blanked out in every language before any lexicon is matched: "no
        # tengo ideas suicidas" must not fire the Dutch or English `suicid` either.
        not_danger = _blank(folded, (lex.not_danger for lex in self._lexicons))
        not_self_harm = _blank(folded, (lex.not_self_harm for lex in self._lexicons))
        danger = tuple(
            lex.name for lex in self._lexicons if lex.danger and lex.danger.search(not_danger)
        )
        self_harm = tuple(
            lex.name
            for lex in self._lexicons
            if lex.self_harm and lex.self_harm.search(not_self_harm)
        )
        kind = SELF_HARM if self_harm else DANGER if danger else None
        return Finding(kind=kind, danger_in=danger, self_harm_in=self_harm)

    def affirmed(self, text: str) -> str:
        """The folded text with every lexicon's negations blanked out ("ik ben niet
        suicidaal, gewoon moe" -> "ik ben gewoon moe"): what the classifier reads, so that it
        does not alarm on a denial either (bot/safety/classifier.py)."""
        folded = f" {fold(text)} "
        negations = [lex.not_danger for lex in self._lexicons]
        negations += [lex.not_self_harm for lex in self._lexicons]
        return " ".join(_blank(folded, negations).split())

    def detect(self, text: str) -> Optional[str]:
        """`danger`, `self_harm` or None."""
        return self.find(text).kind


@lru_cache(maxsize=4)
def detector_for(directory: Path = DEFAULT_LEXICON_DIR) -> SafetyDetector:
    """One detector per lexicon folder and process (compiling the lexicons takes a moment)."""
    return SafetyDetector.from_directory(directory)
