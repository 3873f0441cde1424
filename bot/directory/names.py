"""Posts' cities and countries as users of each language write them, for the advisor search:
data/directory/names/<language>.yml (a language's data, like its content and training
examples) and CLDR's country names (babel) in every supported language. Read once per
process on first use; the coordinators' directory (posts.yml and the console) keeps its own
names beside these.

A names file:
    language: zh
    review: awaiting
    posts: {PEK: [北京, 北京市], ...}
    countries: {CN: [中国], ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

import yaml

from bot.language.catalogue import SUPPORTED_LANGUAGES

NAMES_DIR = Path(__file__).resolve().parents[2] / "data" / "directory" / "names"


@dataclass(frozen=True)
class PlaceNames:
    # language -> post code -> names, the first the one to show
    cities: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # language -> ISO country code -> names
    countries: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def city(self, code: str, language: str) -> Optional[str]:
        names = self.cities.get(language, {}).get(code)
        return names[0] if names else None

    def city_names(self, code: str) -> tuple[str, ...]:
        return tuple(name for named in self.cities.values() for name in named.get(code, ()))

    def country_names(self, country: str) -> tuple[str, ...]:
        listed = tuple(name for named in self.countries.values() for name in named.get(country, ()))
        return listed + cldr_country_names(country)


def _names(raw: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        return {}
    return {
        str(code).upper(): tuple(str(name) for name in (names or []) if str(name).strip())
        for code, names in raw.items()
    }


@lru_cache(maxsize=2)
def place_names(folder: Path = NAMES_DIR) -> PlaceNames:
    cities, countries = {}, {}
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data.get("language") or path.stem)
        cities[language] = _names(data.get("posts"))
        countries[language] = _names(data.get("countries"))
    return PlaceNames(cities=cities, countries=countries)


@lru_cache(maxsize=512)
def cldr_country_names(country: str) -> tuple[str, ...]:
    """The country's name in each supported language, as CLDR writes it."""
    from babel import Locale, UnknownLocaleError

    found = []
    for language in SUPPORTED_LANGUAGES:
        try:
            name = Locale.parse(language).territories.get(country.upper())
        except (UnknownLocaleError, ValueError):
            continue
        if name and name not in found:
            found.append(str(name))
    return tuple(found)
