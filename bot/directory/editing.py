"""One advisor or post changed on its own (the console's forms), checked as an import is.

The whole directory is rebuilt with the changed record in place of the stored one and goes
through the import's checks (bot.directory.files.validation.validate_sources): every
record's fields, and what records say of each other (the posts advisors serve or live at,
codes and aliases used twice). All or nothing: the stored directory is replaced, in the
caller's transaction, only when there is no problem at all; otherwise every problem of the
changed record comes back by field (and, when it has none, those of the records it
breaks). A record's key (an advisor's id, a post's code) does not change here: accounts
and advisors refer to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

from sqlalchemy.orm import Session

from bot.directory.files.formats import Problem, RawRecord, Sources
from bot.directory.files.validation import in_file_order, validate_sources
from bot.directory.records import AdvisorRecord, PostRecord, as_dict
from bot.directory.tables import read_directory, replace_directory

EDITED = "this form"  # the source the changed record's problems carry
_LINE = re.compile(r", line \d+\)")  # where a record is said to be: no lines here
Section = Literal["posts", "advisors"]


@dataclass(frozen=True)
class RecordProblem:
    """`record`: None for the record being changed, else the other record's key (a post
    code or an advisor id) that the change breaks or that is itself invalid."""

    record: Optional[str]
    field: Optional[str]
    message: str


def record_values(record: Union[AdvisorRecord, PostRecord]) -> dict[str, Any]:
    """A stored record as the import reads one: lists as lists, nothing for empty values."""
    return {name: value for name, value in as_dict(record).items() if value is not None}


def _raw(values: dict[str, Any], source: str, line: int) -> RawRecord:
    return RawRecord(source, line, values, {}, tabular=True)


def _problem(problem: Problem) -> RecordProblem:
    record = None if problem.source == EDITED else problem.source
    return RecordProblem(record, problem.field, _LINE.sub(")", problem.message))


def replace_record(
    session: Session, section: Section, key: str, values: dict[str, Any]
) -> Optional[list[RecordProblem]]:
    """Replaces the post `key` (section "posts") or the advisor `key` ("advisors") with
    `values` (fields as the import reads them; the key is kept) when the directory that
    makes passes the import's checks. Returns the problems (empty: saved), or None when
    there is no such record."""
    current = read_directory(session)
    stored = current.posts if section == "posts" else current.advisors
    if not any((r.code if isinstance(r, PostRecord) else r.id) == key for r in stored):
        return None
    key_field = "code" if section == "posts" else "id"
    changed = {**{k: v for k, v in values.items() if k != key_field}, key_field: key}
    sources = Sources(has_posts=True, has_advisors=True)
    for line, post in enumerate(current.posts, start=1):
        edited = section == "posts" and post.code == key
        sources.posts.append(
            _raw(changed, EDITED, 0) if edited else _raw(record_values(post), post.code, line)
        )
    for line, advisor in enumerate(current.advisors, start=1):
        edited = section == "advisors" and advisor.id == key
        sources.advisors.append(
            _raw(changed, EDITED, 0) if edited else _raw(record_values(advisor), advisor.id, line)
        )
    loaded, problems = validate_sources(sources, current)
    if problems:
        # The changed record's own first; while it has any, the others' are left out: a post
        # refused for its time zone is "not a post" to the advisors serving it.
        own = [_problem(p) for p in problems if p.source == EDITED]
        return own or [_problem(p) for p in in_file_order(problems)]
    replace_directory(session, loaded.posts, loaded.advisors)
    return []
