"""Keeps the conversation language (slot `language`) and handles explicit switches."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, intent_of
from bot import runtime
from bot.language.detection import (
    SUPPORTED_LANGUAGES,
    detection_from_parse,
    next_conversation_language,
)

# Answers that say nothing about the reporter's language: a receipt passphrase is English
# words whatever language the conversation is in.
NOT_LANGUAGE_ANSWERS = frozenset({"status_code", "status_passphrase"})
# Questions whose answer names a language without asking to switch ("which language would
# you like to speak with the advisor?" - "French").
NAMES_A_LANGUAGE = frozenset({"advisor_language"})


def requested_language(tracker: Tracker) -> Optional[str]:
    """The language a change_language message asks for: a menu button's entity, or a
    language named in the text ('can we speak French?')."""
    message = tracker.latest_message or {}
    for entity in message.get("entities") or []:
        if entity.get("entity") == "language" and entity.get("value") in SUPPORTED_LANGUAGES:
            return entity["value"]
    _, lexicon = runtime.languages()
    written_in = (message.get("language") or {}).get("code")
    return lexicon.find(message.get("text") or "", written_in)


class ActionTrackLanguage(Action):
    """Runs after every user message (Rasa calls action_validate_slot_mappings from
    action_extract_slots) and sets `language` when the message establishes or clearly
    switches it."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        current = tracker.get_slot("language")
        message = tracker.latest_message or {}
        if tracker.get_slot("requested_slot") in NAMES_A_LANGUAGE:
            return []
        if intent_of(tracker) == "change_language":
            wanted = requested_language(tracker)
            return [SlotSet("language", wanted)] if wanted and wanted != current else []
        if tracker.get_slot("requested_slot") in NOT_LANGUAGE_ANSWERS:
            return []
        detection = detection_from_parse(message.get("language"), message.get("text"))
        new = next_conversation_language(current, detection)
        return [SlotSet("language", new)] if new else []


class ActionChangeLanguage(AssistantAction):
    """Confirms the switch in the new language, or shows the menu when none was named."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        wanted = requested_language(tracker)
        if wanted:
            self.utter(dispatcher, "utter_language_changed", language=wanted)
            return [SlotSet("language", wanted)]
        self.utter(dispatcher, "utter_language_menu")
        return []
