"""End-to-end tests: the real Rasa and action servers, the browser and the trained model.
They run last in bin/test, after training; `-m "not e2e"` leaves them out elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test under tests/e2e is marked, so none can forget its `pytestmark`.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)
