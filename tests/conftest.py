"""Shared fixtures: the project's real content, language data and trained models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from bot import runtime
from bot.settings import PROJECT_ROOT, settings

if TYPE_CHECKING:
    from tests.support.servers import Servers

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

# The parsers' fuzzing: 1,000 examples each in the full run; `bin/test fast` passes
# --hypothesis-profile=fast for quick feedback with fewer.
hypothesis_settings.register_profile("full", max_examples=1000, deadline=None)
hypothesis_settings.register_profile("fast", max_examples=200, deadline=None)
hypothesis_settings.load_profile("full")

ROOT = PROJECT_ROOT
# VM_TEST_MODEL points the tests at another trained model (e.g. one trained with --out).
MODEL = settings().test_model


# Files that keep one worker busy for minutes (a model trained in a fixture, every typed
# conversation through the servers), longest first. bin/test hands the workers whole files
# in the order collected (--dist loadfile --no-loadscope-reorder) and these go first: queued
# last, as pytest-xdist does by default with the files of fewest tests, the other worker sat
# idle for their minutes at the end of the run. `--durations` shows the long ones.
LONG_FIRST = (
    "tests/e2e/test_typed_conversations.py",
    "tests/security/test_storage_outage.py",
    "tests/e2e/test_model_load.py",
    "tests/e2e/test_stories.py",
    "tests/unit/safety/test_heldout.py",
    "tests/unit/language/test_intent_ensemble.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = Path(item.path).resolve().relative_to(ROOT).as_posix()
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Name a long bytes parameter by its length: pytest would spell out every byte
    (megabytes for a file over the size limit), and the pytest-xdist workers must
    collect the same ids even when a built file differs by a timestamp."""
    if isinstance(val, bytes) and len(val) > 32:
        return f"{argname}-{len(val)}-bytes"
    return None


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run bin/train (bin/test does it first)")
    return MODEL


@pytest.fixture(scope="session")
def servers(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The assistant as `bin/run` starts it (default settings, SQLite, REST on), shared by
    every test file that needs nothing else: started once per pytest worker instead of
    once per file (each start loads the model, about 40 s). Tests keep to their own
    senders and count what changed, never what is there. A file that needs other settings
    (channels, the console, a proxy, an outage) starts its own under the same name."""
    from tests.support.servers import running_servers  # servers only where a test asks

    with running_servers(trained_model, tmp_path_factory.mktemp("assistant")) as running:
        yield running


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keys and files a test creates go to a temporary folder, never into the checkout; the
    services built from them are built afresh for each test."""
    monkeypatch.setenv("VM_STATE_DIR", str(tmp_path_factory.getbasetemp() / "state"))
    runtime.reset()
    yield
    runtime.reset()
