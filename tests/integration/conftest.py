"""Integration tests use databases, PostgreSQL and HTTP fakes, but never the trained model:
they run in the fast stage of bin/test, before training."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def trained_model() -> Path:
    # The real Rasa servers load the model too, so this also keeps them out of this layer.
    pytest.fail("this test needs the model: move it to tests/e2e", pytrace=False)
