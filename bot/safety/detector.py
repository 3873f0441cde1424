"""Says whether a message speaks of immediate danger or of suicide or self-harm.

Every lexicon is matched on every message, whatever its detected language: a frightened
person may mix languages, write Arabic in Latin letters, or be misidentified on three
words. Self-harm wins over danger when both match: its answer also gives the emergency
number, and it must never be answered as if only the place were unsafe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot.safety.lexicon import DANGER, SELF_HARM, Lexicon, fold, load_lexicons
from bot.settings import PROJECT_ROOT

DEFAULT_LEXICON_DIR = PROJECT_ROOT / "data" / "safety"


@dataclass(frozen=True)
class Finding:
    """What the lexicons found: the verdict and which lexicons fired (never the text)."""

    kind: Optional[str]  # DANGER, SELF_HARM or None
    danger_in: tuple[str, ...] = ()
    self_harm_in: tuple[str, ...] = ()


def _matches(
    folded: str, found: Optional[re.Pattern[str]], negated: Optional[re.Pattern[str]]
) -> bool:
    if found is None:
        return False
    if negated is not None:
        folded = negated.sub(" ", folded)
    return found.search(folded) is not None


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
        danger = tuple(
            lex.name for lex in self._lexicons if _matches(folded, lex.danger, lex.not_danger)
        )
        self_harm = tuple(
            lex.name for lex in self._lexicons if _matches(folded, lex.self_harm, lex.not_self_harm)
        )
        kind = SELF_HARM if self_harm else DANGER if danger else None
        return Finding(kind=kind, danger_in=danger, self_harm_in=self_harm)

    def detect(self, text: str) -> Optional[str]:
        """`danger`, `self_harm` or None."""
        return self.find(text).kind


@lru_cache(maxsize=4)
def detector_for(directory: Path = DEFAULT_LEXICON_DIR) -> SafetyDetector:
    """One detector per lexicon folder and process (compiling the lexicons takes a moment)."""
    return SafetyDetector.from_directory(directory)
