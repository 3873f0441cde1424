"""Acknowledges what someone went through and names the kind of behaviour it can be."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, text_of
from bot import runtime
from bot.language.reading import asks_whether_it_counts

# "my boss", "a colleague": who, not yet what happened. Thanking someone for a story they
# have not told yet reads as not listening; an opening gets the invitation instead.
OPENING_MAX_WORDS = 3


class ActionAcknowledgeExperience(AssistantAction):
    def name(self) -> str:
        return "action_acknowledge_experience"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        acknowledge(self, dispatcher, tracker)
        return []


def acknowledge(
    action: AssistantAction, dispatcher: CollectingDispatcher, tracker: Tracker
) -> None:
    """The acknowledgement, naming the kind of behaviour where the words tell it; and what
    counts, when the story is told as a question whether it counts."""
    text = text_of(tracker)
    if text.startswith("/"):  # a button: nothing told yet, so invite the story
        action.utter(dispatcher, "utter_invite_story")
        return
    language = action.language(tracker)
    category = runtime.behaviour_lexicon().classify(text, language)
    behaviour = category and runtime.renderer().phrase(f"behaviour_{category}", language)
    if behaviour:
        action.utter(dispatcher, "utter_acknowledge_experience", behaviour=behaviour)
    elif len(text.split()) <= OPENING_MAX_WORDS:
        action.utter(dispatcher, "utter_invite_story")
    else:
        action.utter(dispatcher, "utter_acknowledge_experience_general")
    if asks_whether_it_counts(tracker.latest_message or {}):
        action.utter(dispatcher, "utter_what_counts")
