"""Answers what was not understood: a language we do not speak, or a request to rephrase."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction
from actions.experience import acknowledge
from bot.language.detection import is_unsupported_message
from bot.language.reading import asks_whether_it_counts, tied_questions

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
        elif asks_whether_it_counts(tracker.latest_message or {}):
            # A tie between telling and asking whether it counts: both answered.
            acknowledge(self, dispatcher, tracker)
        elif answers := tied_questions(tracker.latest_message or {}):
            # A question torn between two of ours: both answers, rather than "say it again".
            for response in answers:
                self.utter(dispatcher, response)
        else:
            self.utter(dispatcher, "utter_fallback")
        return []
