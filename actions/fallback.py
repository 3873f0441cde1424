"""Answers what was not understood: a language we do not speak, or a request to rephrase."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction
from bot.language.detection import is_unsupported_message

# Someone we cannot answer in their language is told so in the two most widely read ones.
UNSUPPORTED_ANSWER_LANGUAGES = ("en", "fr")


class ActionHandleFallback(AssistantAction):
    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if is_unsupported_message(tracker.latest_message):
            for language in UNSUPPORTED_ANSWER_LANGUAGES:
                self.utter(dispatcher, "utter_unsupported_language", language=language)
        else:
            self.utter(dispatcher, "utter_fallback")
        return []
