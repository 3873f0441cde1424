"""Names the kind of behaviour in what someone describes, so the acknowledgement can say it.

A transparent keyword lexicon per language (data/behaviour/<language>.yml) rather than a
model: coordinators can read and extend it, and a wrong guess is easy to trace. It only
names a possible kind, asked as a guess ("it sounds like this may be about …"); it never
judges the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

import yaml

from bot.language.stems import PERSIAN_AS_ARABIC, forms_of, has_stem
from bot.language.text import clean_text, fold_accents

# On a tie the earlier, more specific category wins.
CATEGORIES: tuple[str, ...] = (
    "sexual_harassment",
    "discrimination",
    "fraud",
    "conflict_of_interest",
    "misuse_of_information",
    "misuse_of_power",
    "intimidation",
    "bullying",
)

# In a language other than the conversation's, a stem this short names a kind only as a
# whole word: Portuguese "veu" (veil) is the start of French "veux" (want).
MIN_FOREIGN_STEM_CHARS = 5


def _normalise_stem(stem: str) -> str:
    return fold_accents(clean_text(stem)).translate(PERSIAN_AS_ARABIC)


@dataclass(frozen=True)
class BehaviourLexicon:
    stems: Mapping[str, Mapping[str, Sequence[str]]]  # language -> category -> stems

    def _score(self, text: str, language: str, foreign: bool = False) -> dict[str, int]:
        folded = fold_accents(clean_text(text)).translate(PERSIAN_AS_ARABIC)
        forms, padded = forms_of(folded), f" {folded} "
        scores: dict[str, int] = {}
        for category, stems in self.stems.get(language, {}).items():
            hits = sum(
                has_stem(stem, padded, forms, foreign and len(stem) < MIN_FOREIGN_STEM_CHARS)
                for stem in stems
            )
            if hits:
                scores[category] = hits
        return scores

    def classify(self, text: str, language: Optional[str]) -> Optional[str]:
        """The most likely category, looking in the conversation language first and then in
        the others (people mix languages)."""
        order = [language] if language is not None and language in self.stems else []
        order += [code for code in self.stems if code != language]
        for code in order:
            scores = self._score(text, code, foreign=code != language)
            if scores:
                best = max(scores.values())
                return next(c for c in CATEGORIES if scores.get(c) == best)
        return None


def load_behaviour_lexicon(directory: Path) -> BehaviourLexicon:
    stems: dict[str, dict[str, list[str]]] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = data.get("language", path.stem)
        categories = data.get("categories") or {}
        unknown = set(categories) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"{path}: unknown categories {sorted(unknown)}")
        stems[language] = {
            category: [s for s in (_normalise_stem(str(x)) for x in values or []) if s]
            for category, values in categories.items()
        }
    return BehaviourLexicon(stems=stems)
