"""bot/servers/outages.py: an action server that cannot be reached fails the turn, where
Rasa would drop the action's events and carry on; the tracker store is used without Rasa's
fall-back to memory. (The whole of it, in a cluster: tests/e2e/test_faults.py.)"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.servers import outages
from bot.servers.outages import ActionServerUnreachable
from tests.support import ROOT


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """install(), undone after the test: Rasa's classes are this process's too."""
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(MessageProcessor, "_run_action", MessageProcessor._run_action)
    monkeypatch.setattr(
        MessageProcessor, "run_action_extract_slots", MessageProcessor.run_action_extract_slots
    )
    monkeypatch.setattr(Agent, "_create_tracker_store", Agent._create_tracker_store)
    outages.install()


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def call(domain: Domain, url: str) -> Any:
    action = RemoteAction("action_submit_report", EndpointConfig(url))
    tracker = DialogueStateTracker("rest:someone", domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, domain))


def test_an_action_server_that_is_down_fails_the_turn(installed: None, domain: Domain):
    with pytest.raises(ActionServerUnreachable) as raised:
        call(domain, f"http://127.0.0.1:{closed_port()}/webhook")
    assert raised.value.action == "action_submit_report"


def test_without_it_rasa_raises_an_error_it_swallows(domain: Domain):
    with pytest.raises(RasaException):
        call(domain, f"http://127.0.0.1:{closed_port()}/webhook")


def test_the_failure_is_raised_again_through_what_swallowed_it(installed: None):
    async def swallowing() -> str:
        try:
            outages._failed.set(ActionServerUnreachable("validate_report_form"))
            raise ActionServerUnreachable("validate_report_form")
        except Exception:  # what MessageProcessor._run_action does with any error
            return "carried on"

    async def scenario() -> None:
        await outages._raising_failure(swallowing())

    with pytest.raises(ActionServerUnreachable):
        asyncio.run(scenario())
    assert asyncio.run(outages._raising_failure(asyncio.sleep(0, "fine"))) == "fine"


def test_other_failures_are_rasas_as_before():
    assert outages._unreachable(asyncio.TimeoutError())
    assert not outages._unreachable(RasaException("the action server answered 500"))


def test_the_tracker_store_is_used_without_a_fall_back_to_memory(installed: None, domain: Domain):
    store = InMemoryTrackerStore(domain)
    assert Agent._create_tracker_store(store, domain) is store
