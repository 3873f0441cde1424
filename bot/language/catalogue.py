"""The languages the assistant speaks: the one list (data/languages.yml) that names them, with
how each is written. Adding a language is adding its entry there and its data folders
(docs/languages.md); no code names a language.

The file (VM_LANGUAGES_FILE, else data/languages.yml) is read once, when this module is first
imported: it is small, read-only and part of the release, like a constant; nothing is written
and nothing else is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from bot.settings import settings

LANGUAGES_FILE = settings().languages_file

# Unicode script names (the first word of a letter's Unicode name; bot/language/scripts.py),
# as `script:` in data/languages.yml names them.
KNOWN_SCRIPTS = frozenset({"LATIN", "ARABIC", "CYRILLIC", "CJK", "DEVANAGARI"})
DIRECTIONS = frozenset({"ltr", "rtl"})


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # how the language names itself, in the menus
    names: tuple[str, ...]  # how users write it when asking to switch, in any language
    script: str  # the script of its letters (its Latin transliteration is always understood)
    direction: str = "ltr"
    # Written without spaces between words (Chinese): word lists match inside words.
    unspaced: bool = False
    intent_target: Optional[float] = None  # None: the evaluation's general target
    # Languages we do not speak whose speakers read this one best (Malay: Indonesian; Urdu:
    # Persian's script): told in it, too, which languages we speak.
    read_by: tuple[str, ...] = ()
    # Letters none of our other languages writes (Turkish ı ğ ş): in a message too short for
    # the vote they name this language (bot/language/detection.py).
    letters: frozenset[str] = frozenset()


def _language(code: str, raw: Mapping[str, Any], where: Path) -> Language:
    script = str(raw.get("script", "LATIN")).upper()
    direction = str(raw.get("direction", "ltr"))
    if script not in KNOWN_SCRIPTS:
        raise CatalogueError(f"{where}: {code}: unknown script {script!r}")
    if direction not in DIRECTIONS:
        raise CatalogueError(f"{where}: {code}: direction must be ltr or rtl")
    if not raw.get("name"):
        raise CatalogueError(f"{where}: {code}: no `name`")
    target = raw.get("intent_target")
    return Language(
        code=code,
        name=str(raw["name"]),
        names=tuple(str(n) for n in raw.get("names") or ()),
        script=script,
        direction=direction,
        unspaced=bool(raw.get("unspaced", False)),
        intent_target=float(target) if target is not None else None,
        read_by=tuple(str(code) for code in raw.get("read_by") or ()),
        # Only letters count: 'ı ğ ş' written with spaces must not make a space Turkish.
        letters=frozenset(c for c in str(raw.get("letters") or "").lower() if c.isalpha()),
    )


def load_catalogue(path: Path = LANGUAGES_FILE) -> dict[str, Language]:
    """code -> Language, in the file's order (the order of menus and tables)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not data:
        raise CatalogueError(f"{path}: no languages")
    languages = {str(code): _language(str(code), raw or {}, path) for code, raw in data.items()}
    for code, language in languages.items():
        for other in languages.values():
            shared = language.letters & other.letters
            if other.code != code and shared:
                raise CatalogueError(
                    f"{path}: {code} and {other.code} both claim the letters {''.join(shared)}"
                )
    return languages


CATALOGUE: Mapping[str, Language] = load_catalogue()
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(CATALOGUE)
RTL_LANGUAGES: frozenset[str] = frozenset(
    code for code, language in CATALOGUE.items() if language.direction == "rtl"
)
UNSPACED_LANGUAGES: frozenset[str] = frozenset(
    code for code, language in CATALOGUE.items() if language.unspaced
)
# The scripts our languages are written in; Latin always (transliteration, Arabizi).
OUR_SCRIPTS: frozenset[str] = frozenset(
    {"LATIN", *(language.script for language in CATALOGUE.values())}
)


def language_of_letters(letters: str) -> Optional[str]:
    """Ours whose own letters (`letters:` in data/languages.yml) these include, when exactly
    one language's do."""
    named = {c for c, language in CATALOGUE.items() if language.letters & set(letters)}
    return named.pop() if len(named) == 1 else None


def nearest_language(code: Optional[str]) -> Optional[str]:
    """Ours that speakers of `code`, a language we do not speak, read best, if any."""
    return next((c for c, language in CATALOGUE.items() if code in language.read_by), None)
