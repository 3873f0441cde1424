"""Answers what was not understood: a language we do not speak, or a request to rephrase."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, active_form, intent_of
from actions.experience import acknowledge
from bot.language.catalogue import nearest_language
from bot.language.conversation import is_unsupported_in
from bot.language.reading import asks_whether_it_counts, tied_questions

# Someone we cannot answer in their language is told so in the two most widely read ones,
# after the one of ours they read best, if any (`read_by` in data/languages.yml).
UNSUPPORTED_ANSWER_LANGUAGES = ("en", "fr")
# Leaving a form, said when there is none (no rule answers it, so it comes here).
NOTHING_TO_LEAVE = frozenset({"cancel", "skip"})


def unsupported_answer_languages(tracker: Tracker) -> list[str]:
    written_in = ((tracker.latest_message or {}).get("language") or {}).get("code")
    nearest = nearest_language(written_in)
    return list(dict.fromkeys([*([nearest] if nearest else []), *UNSUPPORTED_ANSWER_LANGUAGES]))


class ActionHandleFallback(AssistantAction):
    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if is_unsupported_in(tracker.latest_message, tracker.get_slot("language")):
            for language in unsupported_answer_languages(tracker):
                self.utter(dispatcher, "utter_unsupported_language", language=language)
        elif asks_whether_it_counts(tracker.latest_message or {}):
            # A tie between telling and asking whether it counts: both answered.
            acknowledge(self, dispatcher, tracker)
        elif intent_of(tracker) in NOTHING_TO_LEAVE and not active_form(tracker):
            # "cancel everything" with nothing going on: nothing to stop, nothing sent.
            self.utter(dispatcher, "utter_no_pressure")
        elif answers := tied_questions(tracker.latest_message or {}):
            # A question torn between two of ours: both answers, rather than "say it again".
            for response in answers:
                self.utter(dispatcher, response)
        else:
            self.utter(dispatcher, "utter_fallback")
        if not active_form(tracker):
            # As the core fallback (no policy predicted anything, e.g. "cancel" outside a
            # form), nothing after it would be predicted either: it ran ten times in a row.
            return [FollowupAction("action_listen")]
        return []
