"""Loading and importing directory files: all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from bot.db import Database
from bot.directory.files.formats import DirectoryInvalid, LoadedDirectory, Problem, Sources
from bot.directory.files.reading import read_sources
from bot.directory.files.validation import in_file_order, validate_sources
from bot.directory.records import (
    Directory,
)
from bot.directory.tables import read_directory, replace_directory


def _validated(
    paths: Sequence[Path], sources: Sources, problems: list[Problem], current: Optional[Directory]
) -> LoadedDirectory:
    """What was read, checked against `current`; raises DirectoryInvalid listing every
    problem (reading's first, then the files' contents)."""
    if not problems and not (sources.has_posts or sources.has_advisors):
        names = ", ".join(p.name for p in paths)
        problems.append(Problem(names, None, None, "no posts and no advisors in these files"))
    loaded, more = validate_sources(sources, current)
    problems.extend(more)
    if problems:
        raise DirectoryInvalid(in_file_order(problems))
    return loaded


def load_directory_files(
    paths: Sequence[Path], fmt: Optional[str] = None, current: Optional[Directory] = None
) -> LoadedDirectory:
    """Reads and validates; raises DirectoryInvalid listing every problem. `current` is
    the stored directory, which sections missing from the files are checked against."""
    sources, problems = read_sources(paths, fmt)
    return _validated(paths, sources, problems, current)


def import_directory(
    database: Database, paths: Sequence[Path], fmt: Optional[str] = None
) -> LoadedDirectory:
    """Validates the files and replaces the stored directory in one transaction; on any
    problem nothing changes and DirectoryInvalid lists them all."""
    sources, problems = read_sources(paths, fmt)
    with database.session() as session:
        loaded = _validated(paths, sources, problems, read_directory(session))
        replace_directory(session, loaded.posts, loaded.advisors)
    return loaded
