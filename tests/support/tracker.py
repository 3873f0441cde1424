"""Running a custom action as the action server runs it: a rasa_sdk tracker built from slots,
the latest message and events; a CollectingDispatcher; and the real domain (domain.yml as
Rasa sends it to the action server), never an empty one.

Test modules get the `domain` fixture through their folder's conftest.py."""

from __future__ import annotations

import asyncio
import inspect
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

ROOT = Path(__file__).resolve().parents[2]
WEB_SENDER = "web-1234"


@lru_cache(maxsize=1)
def real_domain() -> DomainDict:
    """domain.yml as Rasa sends it to the action server (`Domain.as_dict()`)."""
    from rasa.shared.core.domain import Domain  # heavy: only when an action runs

    with warnings.catch_warnings():
        # Rasa 3 warns about the removed slot auto-fill on every load, whatever the domain.
        warnings.filterwarnings("ignore", message="Slot auto-fill has been removed")
        return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture(scope="session")
def domain() -> DomainDict:
    return real_domain()


def build_tracker(
    text: str = "",
    intent: str = "inform",
    *,
    slots: Optional[Mapping[str, Any]] = None,
    language: Optional[str] = None,
    detected: Optional[Mapping[str, Any]] = None,
    entities: Optional[Sequence[Mapping[str, Any]]] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    new_slots: Optional[Mapping[str, Any]] = None,
    events: Optional[Sequence[Mapping[str, Any]]] = None,
    sender: str = WEB_SENDER,
    channel: str = "rest",
    active_loop: Optional[str] = None,
    confidence: float = 0.9,
) -> Tracker:
    """A tracker as the action server receives it after the user's latest message.

    `language`: the conversation language (slot); `detected`: what the NLU made of the
    message's language ({"code", "confidence"}); `new_slots`: values a form just extracted
    from the message (what its validation action validates); `events`: the history, else the
    user's message followed by `new_slots`; `active_loop`: the form that is running."""
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities or []),
        "metadata": dict(metadata or {}),
    }
    if detected is not None:
        latest["language"] = dict(detected)
    new_slots = dict(new_slots or {})
    if events is None:
        history: list[dict[str, Any]] = [
            {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}
        ]
        history += [{"event": "slot", "name": k, "value": v} for k, v in new_slots.items()]
    else:
        history = [dict(event) for event in events]
    all_slots = {"language": language, **(slots or {}), **new_slots}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender, all_slots, latest, history, False, None, loop, "action_listen")


def run_action(
    action: Action, tracker: Tracker, domain: Optional[DomainDict] = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages the action sent and the events it returned."""
    dispatcher = CollectingDispatcher()
    domain = real_domain() if domain is None else domain
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def slots_set(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The slots the events set, by name."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def run_for_slots(
    action: Action, tracker: Tracker, domain: Optional[DomainDict] = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The messages the action sent and the slots it set."""
    messages, events = run_action(action, tracker, domain)
    return messages, slots_set(events)


def call_validator(
    form: Action, slot: str, value: Any, tracker: Tracker
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One `validate_<slot>` method of a form validation action, called directly (sync or
    async): the messages it sent and the slots it returned."""
    dispatcher = CollectingDispatcher()
    result = getattr(form, f"validate_{slot}")(value, dispatcher, tracker, real_domain())
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return dispatcher.messages, result
