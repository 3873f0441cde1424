"""End-to-end tests: the real Rasa and action servers, the browser and the trained model.
They run last in bin/test, after training; `-m "not e2e"` leaves them out elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakes.telegram_api import FakeTelegramApi
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.messaging import ACCOUNT_SID, AUTH_TOKEN, BOT_TOKEN

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test under tests/e2e is marked, so none can forget its `pytestmark`.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def telegram_api() -> Iterator[FakeTelegramApi]:
    with FakeTelegramApi(BOT_TOKEN) as api:
        yield api
