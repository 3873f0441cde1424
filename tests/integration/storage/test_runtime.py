"""bot.runtime is the one composition root: one database for every store and the channels'
delivery state, nothing built at import, and tests change services through reset() and
override() only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import runtime
from bot.db import Database
from bot.settings import PROJECT_ROOT
from channels.state import Deliveries, OptOuts


@pytest.fixture(autouse=True)
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'runtime.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    runtime.reset()
    return url


def test_one_database_serves_every_store_and_the_channels(database_url: str):
    database = runtime.database()
    assert database.url == database_url
    assert runtime.case_store().database is database
    assert runtime.directory_service().database is database
    assert runtime.handoff_store().database is database
    assert Deliveries("twilio").db is database
    assert OptOuts().db is database


def test_override_puts_services_in_place_for_a_block_and_builds_the_rest_around_them(
    tmp_path: Path,
):
    before = runtime.case_store()
    mine = Database(f"sqlite:///{tmp_path / 'mine.db'}")
    with runtime.override(database=mine, pseudonym_key=b"k" * 32):
        assert runtime.database() is mine
        assert runtime.case_store() is not before
        assert runtime.case_store().database is mine
        assert runtime.case_store().lookup_key == runtime.purpose_key("receipt") != b"k" * 32
        assert runtime.handoff_store().database is mine
        assert Deliveries("telegram").db is mine
        assert runtime.reference_for("someone") != runtime.reference_for("someone else")
    assert runtime.case_store() is before
    assert runtime.database() is not mine
    with mine.session():  # left to its owner, still usable
        pass
    mine.dispose()


def test_override_refuses_a_service_that_does_not_exist():
    with pytest.raises(TypeError):
        with runtime.override(databse=None):
            pass


def test_reset_builds_again_from_the_environment_as_it_is_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
):
    assert runtime.database().url == database_url
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("DATABASE_URL", other)
    assert runtime.database().url == database_url, "built once, kept until reset"
    runtime.reset()
    assert runtime.database().url == other


def test_importing_the_assistant_builds_nothing_and_writes_nothing(tmp_path: Path):
    state = tmp_path / "state"
    script = (
        "import bot.runtime, bot.tables, channels.state, bot.cli\n"
        "assert bot.runtime._built == {}, bot.runtime._built\n"
    )
    environment = {**os.environ, "VM_STATE_DIR": str(state), "PYTHONPATH": str(PROJECT_ROOT)}
    environment.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not state.exists()
