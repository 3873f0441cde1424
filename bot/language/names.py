"""The names of languages, in every language we speak."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping, Optional

from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.segmentation import has_han
from bot.language.text import clean_text, fold_accents


def _bounded(pattern: str, name: str) -> str:
    """A whole word, except in Chinese, which writes no spaces ('请用中文回答')."""
    return pattern if has_han(name) else r"(?<!\w)" + pattern + r"(?!\w)"


class LanguageNames:
    """Names of the supported languages as users write them in any language
    ('francés', 'Französisch', 'الفرنسية'), for explicit switches."""

    def __init__(self, names_by_code: Mapping[str, Iterable[str]]):
        self._patterns = [
            (code, re.compile(_bounded(re.escape(fold_accents(name.lower())), name)))
            for code, names in names_by_code.items()
            for name in sorted(names, key=len, reverse=True)
        ]

    def find(self, text: str, written_in: Optional[str] = None) -> Optional[str]:
        """The supported language the text asks for. Of several named, one named in a
        question over one named beside it ("can we speak English? my Dutch colleague reads
        too" -> en); then not the one it is written in, which is being left ("switch to
        Spanish, my English is bad" -> es); otherwise the last one named ("not English,
        French")."""
        found: list[tuple[int, str, bool]] = []  # (order, code, named in a question)
        for number, (sentence, question) in enumerate(_sentences(text)):
            folded = fold_accents(clean_text(sentence))
            for code, pattern in self._patterns:
                for match in pattern.finditer(folded):
                    found.append((number * 100_000 + match.start(), code, question))
        for keep in (
            lambda item: item[2],
            lambda item: item[1] != written_in,
        ):
            kept = [item for item in found if keep(item)]
            if kept and len(kept) < len(found):
                found = kept
        return max(found)[1] if found else None


_SENTENCE = re.compile(
    r"[^.!?\n\u061f\u3002\uff01\uff1f\u0964]*[.!?\n\u061f\u3002\uff01\uff1f\u0964]*"
)
_QUESTION_MARKS = frozenset("?\u061f\uff1f")


def _sentences(text: str) -> list[tuple[str, bool]]:
    """The text's sentences, each with whether it ends with a question mark."""
    return [
        (match.group(), bool(_QUESTION_MARKS & set(match.group())))
        for match in _SENTENCE.finditer(text)
        if match.group().strip()
    ]


def load_languages(path: Path) -> tuple[dict[str, str], LanguageNames]:
    """From data/languages.yml: each language's own name, and the lexicon of names."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [code for code in SUPPORTED_LANGUAGES if code not in data]
    if missing:
        raise ValueError(f"{path}: no entry for {', '.join(missing)}")
    own_names = {code: str(data[code]["name"]) for code in SUPPORTED_LANGUAGES}
    lexicon = LanguageNames(
        {code: [own_names[code], *data[code].get("names", [])] for code in SUPPORTED_LANGUAGES}
    )
    return own_names, lexicon
