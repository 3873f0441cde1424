"""The first uses of a new database arrive together (several conversations at once on a
fresh action server): the schema is migrated once and every one of them is served."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from bot.db import Database


def test_concurrent_first_uses_migrate_once_and_all_succeed(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")

    def count_posts(_: int) -> int:
        with database.session() as session:
            return session.execute(text("SELECT COUNT(*) FROM posts")).scalar_one()

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            counts = list(pool.map(count_posts, range(8)))
    finally:
        database.dispose()
    assert counts == [0] * 8
