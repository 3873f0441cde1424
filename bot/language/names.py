"""The names of languages, in every language we speak."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping, Optional

from bot.language.detection import SUPPORTED_LANGUAGES, clean_text, fold_accents


class LanguageNames:
    """Names of the supported languages as users write them in any language
    ('francés', 'Französisch', 'الفرنسية'), for explicit switches."""

    def __init__(self, names_by_code: Mapping[str, Iterable[str]]):
        self._patterns = [
            (code, re.compile(r"(?<!\w)" + re.escape(fold_accents(name.lower())) + r"(?!\w)"))
            for code, names in names_by_code.items()
            for name in sorted(names, key=len, reverse=True)
        ]

    def find(self, text: str, written_in: Optional[str] = None) -> Optional[str]:
        """The supported language the text asks for. Of several named, the one it is written
        in is the one being left ("switch to Spanish, my English is bad" -> es); otherwise
        the last one named ("not English, French" -> fr)."""
        folded = fold_accents(clean_text(text))
        found: list[tuple[int, str]] = []
        for code, pattern in self._patterns:
            for match in pattern.finditer(folded):
                found.append((match.start(), code))
        others = [item for item in found if item[1] != written_in]
        if others and len(others) < len(found):
            found = others
        return max(found)[1] if found else None


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
