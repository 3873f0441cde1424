"""The Rasa server answers `action_validate_slot_mappings` itself, in process.

After every user message Rasa's action_extract_slots calls the custom action
`action_validate_slot_mappings` (rasa/core/actions/action.py,
ActionExtractSlots._execute_validation_action): it rebuilds a tracker from every event
since the last restart, sends it whole to the action server with the domain, and keeps the
slots the action returns. Ours only keeps the conversation language (actions/language.py),
from what the Rasa server already holds: measured 2026-12-05, that round trip was a third
of a turn at turn 3 (35 ms of 150) and grew with the conversation.

`install()` replaces that method, in the Rasa server process only (bot.servers.rasa_server),
by one that makes the same decision (bot/language/slot.py, which the action also uses) on
the same inputs: the slots as the action would see them (the tracker's, with the slots just
extracted from the message applied over them) and the latest message as Rasa gives it to
an action. It merges the result as Rasa does. A domain without the `language` slot or
without the action keeps Rasa's own method. tests/integration/actions/test_track_language.py
runs both ways, the action through rasa_sdk as the action server runs it, and compares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Dict, List, Optional

from bot.language.slot import LANGUAGE_SLOT, language_after

REQUESTED_SLOT = "requested_slot"


def _slots_as_sent(tracker: Any, candidates: Sequence[Any]) -> Dict[str, Any]:
    """The two slots the decision reads, as the action server would receive them: Rasa
    sends a tracker replayed from the events since the last restart (the same values as
    the tracker's own) with the extracted candidates applied after them."""
    values = {name: tracker.get_slot(name) for name in (LANGUAGE_SLOT, REQUESTED_SLOT)}
    for event in candidates:
        if event.key in values:
            values[event.key] = event.value
    return values


def _latest_message_as_sent(tracker: Any) -> Dict[str, Any]:
    """DialogueStateTracker._latest_message_data: the parse data, with the entities the
    policies added (what an action reads as `tracker.latest_message`)."""
    latest = tracker.latest_message
    if not latest:
        return {}
    data: Dict[str, Any] = dict(latest.parse_data)
    data["entities"] = latest.entities
    return data


def language_events(tracker: Any, candidates: Sequence[Any]) -> List[Any]:
    """What action_validate_slot_mappings returns for `tracker` and the extracted slot
    `candidates` (SlotSet events), as Rasa events."""
    from rasa.shared.core.events import SlotSet

    slots = _slots_as_sent(tracker, candidates)
    new: Optional[str] = language_after(
        slots[LANGUAGE_SLOT], slots[REQUESTED_SLOT], _latest_message_as_sent(tracker)
    )
    return [SlotSet(LANGUAGE_SLOT, new)] if new else []


def applies(domain: Any) -> bool:
    from rasa.shared.core.constants import ACTION_VALIDATE_SLOT_MAPPINGS

    return ACTION_VALIDATE_SLOT_MAPPINGS in domain.user_actions and any(
        slot.name == LANGUAGE_SLOT for slot in domain.slots
    )


def in_process(original: Callable[..., Awaitable[List[Any]]]) -> Callable[..., Any]:
    """ActionExtractSlots._execute_validation_action answering in process, `original`
    (Rasa's) where it does not apply."""
    from rasa.shared.core.events import SlotSet

    async def execute_validation_action(
        self: Any,
        extraction_events: List[Any],
        output_channel: Any,
        nlg: Any,
        tracker: Any,
        domain: Any,
    ) -> List[Any]:
        if not applies(domain):
            return await original(self, extraction_events, output_channel, nlg, tracker, domain)
        candidates = [event for event in extraction_events if isinstance(event, SlotSet)]
        validated = language_events(tracker, candidates)
        names = {event.key for event in validated}
        # As Rasa merges an action's answer: a candidate it did not answer for stays.
        return validated + [event for event in candidates if event.key not in names]

    execute_validation_action._in_process = True  # type: ignore[attr-defined]
    return execute_validation_action


def install() -> None:
    from rasa.core.actions.action import ActionExtractSlots

    original = ActionExtractSlots._execute_validation_action
    if getattr(original, "_in_process", False):
        return
    ActionExtractSlots._execute_validation_action = in_process(original)
