"""The directory as the dialogue sees it, seeded from the files on first use."""

from __future__ import annotations

import time as clock
from pathlib import Path
from typing import Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.directory.files.importing import load_directory_files
from bot.directory.files.reading import directory_files
from bot.directory.records import Directory
from bot.directory.tables import directory_is_empty, read_directory, replace_directory


class DirectoryService:
    """The directory as the dialogue sees it: read from the database, kept for `ttl`
    seconds, seeded from `seed_dir` on first use when the database has none."""

    def __init__(
        self, database: Database, seed_dir: Optional[Path] = None, ttl: float = 60.0
    ) -> None:
        self.database = database
        self.seed_dir = seed_dir
        self.ttl = ttl
        self._snapshot: Optional[Directory] = None
        self._read_at = 0.0

    async def current(self) -> Directory:
        # No lock: two turns loading at once only read twice.
        snapshot = self._snapshot
        if snapshot is None or clock.monotonic() - self._read_at > self.ttl:
            try:
                snapshot = await self.database.run(self._load)
            except IntegrityError:
                # Another process seeded the directory at the same moment: read theirs.
                snapshot = await self.database.run(read_directory)
            self._snapshot, self._read_at = snapshot, clock.monotonic()
        return snapshot

    def invalidate(self) -> None:
        self._snapshot = None

    def _load(self, session: Session) -> Directory:
        if self.seed_dir is not None and directory_is_empty(session):
            seed_directory(session, self.seed_dir)
        return read_directory(session)


def seed_directory(session: Session, seed_dir: Path) -> None:
    """Imports the directory files in `seed_dir` (posts.yml, advisors.yml)."""
    loaded = load_directory_files(directory_files(seed_dir), current=None)
    replace_directory(session, loaded.posts, loaded.advisors)
