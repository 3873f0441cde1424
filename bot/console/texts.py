"""The console's own texts, per language (data/console/<language>.yml), and the language
a page is shown in: the browser's first supported preference (Accept-Language), else
English. Transcripts keep their own language and direction."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

TEXTS_DIR = PROJECT_ROOT / "data" / "console"
DEFAULT = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "ur", "he"})


@lru_cache(maxsize=1)
def all_texts(folder: Path = TEXTS_DIR) -> Mapping[str, Mapping[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts[str(data["language"])] = {k: str(v) for k, v in (data.get("texts") or {}).items()}
    return texts


def languages() -> tuple[str, ...]:
    return tuple(sorted(all_texts()))


def chosen_language(accept_language: str) -> str:
    """The first language of an Accept-Language header the console speaks."""
    ranked = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, index, tag.strip().lower().split("-")[0]))
    for _, _, code in sorted(ranked):
        if code in all_texts():
            return code
    return DEFAULT


class Texts:
    def __init__(self, language: str) -> None:
        self.language = language if language in all_texts() else DEFAULT
        self._texts = all_texts()[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key) or all_texts()[DEFAULT][key]
        return text.format(**values) if values else text


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"
