"""Keeps the conversation language (slot `language`) and handles explicit switches."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, text_of
from bot.language.conversation import welcome_languages
from bot.language.slot import LANGUAGE_SLOT, language_after, language_asked_for


def requested_language(tracker: Tracker) -> Optional[str]:
    """The language a change_language message asks for: a menu button's entity, or a
    language named in the text ('can we speak French?')."""
    return language_asked_for(tracker.latest_message or {})


class ActionTrackLanguage(Action):
    """Runs after every user message (Rasa calls action_validate_slot_mappings from
    action_extract_slots) and sets `language` when the message establishes or clearly
    switches it (bot/language/slot.py decides). The project's Rasa server answers this call
    in process (bot/servers/track_language.py) with the same decision; this action serves a
    Rasa server started without it (`rasa shell`, `rasa run` by hand)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        new = language_after(
            tracker.get_slot(LANGUAGE_SLOT),
            tracker.get_slot("requested_slot"),
            tracker.latest_message or {},
        )
        return [SlotSet(LANGUAGE_SLOT, new)] if new else []


class ActionGreet(AssistantAction):
    """Greets in the conversation language; when the first message did not tell it ("hi",
    "salam", or "прив", which Russian and Ukrainian chat both write), with a line in every
    language of ours written in its letters (all of them for Latin letters), so that nobody
    is greeted only in one they may not read."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(LANGUAGE_SLOT):
            self.utter(dispatcher, "utter_greet")
            return []
        # bot.content.rendering.WELCOME_LANGUAGES: the lines the welcome is made of.
        ours_in_its_letters = list(welcome_languages(text_of(tracker)))
        self.utter(dispatcher, "utter_welcome", welcome_languages=ours_in_its_letters)
        return []


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
