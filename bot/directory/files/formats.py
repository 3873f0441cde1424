"""Directory files: reading, validating and writing posts and advisors as YAML or CSV.

YAML (data/directory/posts.yml and advisors.yml are examples): top-level keys `demo`
(advisors' default), `countries` (ISO code -> names users may write), `posts` and
`advisors` (lists of mappings). One file may hold all of them, or they may be split.

CSV: one table per file, recognised by its header; list cells are separated by `;`.
  posts:    code,kind,city,country,region,time_zone,calling_code,city_names,country_names,aliases
  advisors: id,name,gender,kind,languages,posts,regions,home_post,time_zone,phone,whatsapp,
            email,availability,active,demo
  (availability: 'mon-fri 09:00-17:00; sat 10:00-12:00'; active/demo: true/false)

Validation reads everything first and reports every problem with file, line and field;
a file with any problem is refused whole (`DirectoryInvalid`), nothing is imported."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from bot.directory.records import (
    AdvisorRecord,
    PostRecord,
)

FORMATS = ("yaml", "csv")
MAX_FILE_BYTES = 5_000_000
POST_COLUMNS = (
    "code",
    "kind",
    "city",
    "country",
    "region",
    "time_zone",
    "calling_code",
    "city_names",
    "country_names",
    "aliases",
)
ADVISOR_COLUMNS = (
    "id",
    "name",
    "gender",
    "kind",
    "languages",
    "posts",
    "regions",
    "home_post",
    "time_zone",
    "phone",
    "whatsapp",
    "email",
    "availability",
    "active",
    "demo",
)
# In YAML, a post's country names come from `countries`, and `demo` may be file-wide.
POST_YAML_FIELDS = tuple(column for column in POST_COLUMNS if column != "country_names")
LIST_FIELDS = {"city_names", "country_names", "aliases", "languages", "posts", "regions"}
LIST_FIELDS |= {"availability"}
TOP_LEVEL_KEYS = ("demo", "countries", "posts", "advisors")

CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}


@dataclass(frozen=True)
class Problem:
    source: str
    line: Optional[int]
    field: Optional[str]
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class DirectoryInvalid(ValueError):
    """The files were refused; `problems` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class LoadedDirectory:
    """What the files hold. None: the files had no such section (it is left as stored)."""

    posts: Optional[tuple[PostRecord, ...]]
    advisors: Optional[tuple[AdvisorRecord, ...]]


@dataclass
class RawRecord:
    source: str
    line: int
    values: dict[str, Any]
    lines: dict[str, int]
    # A record on its own, like a CSV row (not a YAML file's): a post carries its own
    # country_names. The console's records (bot.directory.editing) are.
    tabular: bool = False

    def line_of(self, name: str) -> int:
        return self.lines.get(name, self.line)


@dataclass
class Sources:
    posts: list[RawRecord] = field(default_factory=list)
    advisors: list[RawRecord] = field(default_factory=list)
    countries: dict[str, tuple[list[str], str, int]] = field(default_factory=dict)
    has_posts: bool = False
    has_advisors: bool = False
