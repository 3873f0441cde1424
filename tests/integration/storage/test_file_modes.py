"""The assistant's SQLite database and the state folder are owner-only from their first use,
and made so when found looser; SQLite's -wal/-shm files follow the database's mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from bot.db import Database
from bot.settings import overridden


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_companions_are_owner_only(tmp_path: Path):
    state = tmp_path / "var"
    with overridden({"VM_STATE_DIR": str(state)}):
        database = Database(f"sqlite:///{state / 'veilig-melden.db'}")
        with database.session() as session:
            session.execute(text("select count(*) from cases"))
            # While a connection is open, SQLite keeps its -wal and -shm files.
            files = sorted(p.name for p in state.iterdir())
            modes = {p.name: _mode(p) for p in state.iterdir()}
        database.dispose()
    assert _mode(state) == 0o700
    assert "veilig-melden.db-wal" in files
    assert all(mode == 0o600 for mode in modes.values()), modes


def test_a_world_readable_database_is_tightened_at_first_use(tmp_path: Path):
    state = tmp_path / "var"
    state.mkdir()
    os.chmod(state, 0o755)
    path = state / "veilig-melden.db"
    with overridden({"VM_STATE_DIR": str(state)}):
        first = Database(f"sqlite:///{path}")
        first.engine  # noqa: B018 - creates the file (0600) and the schema
        first.dispose()
        os.chmod(path, 0o644)
        again = Database(f"sqlite:///{path}")
        again.engine  # noqa: B018
        again.dispose()
    assert _mode(state) == 0o700 and _mode(path) == 0o600
