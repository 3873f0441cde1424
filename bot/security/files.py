"""Owner-only files: the state folder and the SQLite databases hold conversations and
reports (encrypted) and the keys, so nobody but the service's own user may read them.

SQLite creates its -wal, -shm and -journal files with the mode of the database file, so a
database created 0600 keeps its companions 0600 too."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path, tighten: bool = True) -> None:
    """Creates `path` (and missing parents) owner-only. An existing folder is tightened to
    0700 if others could read it, unless `tighten` is off (a folder the operator chose, which
    may be shared: only our own files in it are made private)."""
    if not path.exists():
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(path, FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened
    elif tighten:
        _tighten(path, FOLDER_MODE)


def private_file(path: Path) -> None:
    """Creates an empty `path` owner-only if it is missing; tightens it to 0600 if others
    could read it. Companions that already exist (-wal, -shm, -journal) are tightened too."""
    if not path.exists():
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
        os.close(descriptor)
    for candidate in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        if candidate.exists():
            _tighten(candidate, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        os.chmod(path, mode)
        logger.warning("%s was readable by others; made owner-only", path.name)


def private_sqlite(database: Path, state_dir: Path) -> None:
    """The SQLite file at `database` owner-only, and its folder if that is the state folder
    (or inside it)."""
    folder = database.parent
    inside_state = (
        folder.resolve() == state_dir.resolve() or state_dir.resolve() in folder.resolve().parents
    )
    if inside_state:
        private_folder(state_dir)
    private_folder(folder, tighten=inside_state)
    private_file(database)
