"""The words of time a reporter types at "when did it happen?", per language: the phrases
`date_*` of data/content/<language>/dates.yml, read once per process on first use. Adding a
language adds its file; no code names a language's words.

Each phrase lists expressions separated by commas; in `date_days_ago`, `{n}` stands for a
number written in digits ("{n} days ago").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

import yaml

from bot.language.segmentation import has_han

# How many days back each phrase reaches.
DAYS_BACK_PHRASES = {0: "date_today", 1: "date_yesterday", 2: "date_day_before_yesterday"}
LAST_WEEK_PHRASE = "date_last_week"
LAST_MONTH_PHRASE = "date_last_month"
DAYS_AGO_PHRASE = "date_days_ago"
FILE_NAME = "dates.yml"


@dataclass(frozen=True)
class TimeWords:
    """One language's expressions, normalised like the answer they are looked for in."""

    days_back: tuple[tuple[str, int], ...] = ()  # (expression, days), longest first
    last_week: tuple[str, ...] = ()
    last_month: tuple[str, ...] = ()
    days_ago: tuple[re.Pattern[str], ...] = field(default=())


def _expressions(text: str, normalise: Callable[[str], str]) -> list[str]:
    return [normalise(part).strip() for part in text.split(",") if normalise(part).strip()]


# `{n}` while the expression is normalised (braces would become spaces).
_NUMBER_MARK = "qqnumberqq"


def _days_ago(expression: str) -> re.Pattern[str]:
    """'{n} days ago' -> a pattern with the number as group 1; spaces around the number are
    optional ('3天前')."""
    before, _, after = expression.partition(_NUMBER_MARK)
    return re.compile(re.escape(before.strip()) + r"\s*(\d{1,3})\s*" + re.escape(after.strip()))


def time_words(phrases: Mapping[str, str], normalise: Callable[[str], str]) -> TimeWords:
    days_back = [
        (expression, days)
        for days, name in DAYS_BACK_PHRASES.items()
        for expression in _expressions(phrases.get(name, ""), normalise)
    ]
    return TimeWords(
        # Longer expressions first, so 'avant hier' is not read as 'hier'.
        days_back=tuple(sorted(days_back, key=lambda item: -len(item[0]))),
        last_week=tuple(_expressions(phrases.get(LAST_WEEK_PHRASE, ""), normalise)),
        last_month=tuple(_expressions(phrases.get(LAST_MONTH_PHRASE, ""), normalise)),
        days_ago=tuple(
            _days_ago(expression)
            for expression in _expressions(
                phrases.get(DAYS_AGO_PHRASE, "").replace("{n}", _NUMBER_MARK), normalise
            )
            if _NUMBER_MARK in expression
        ),
    )


@lru_cache(maxsize=4)
def load_time_words(content_dir: Path, normalise: Callable[[str], str]) -> Mapping[str, TimeWords]:
    """language -> its words, from every <content_dir>/<language>/dates.yml."""
    found = {}
    for path in sorted(Path(content_dir).glob(f"*/{FILE_NAME}")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found[path.parent.name] = time_words(data.get("phrases") or {}, normalise)
    return found


def contains(normal: str, expression: str) -> bool:
    """Whether a normalised answer (' words ', spaces around) holds the expression as whole
    words; an expression in a script without spaces (Chinese) anywhere."""
    if has_han(expression):
        return expression in normal
    return f" {expression} " in normal
