"""Acknowledges what someone went through and names the kind of behaviour it can be."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, text_of
from bot import runtime


class ActionAcknowledgeExperience(AssistantAction):
    def name(self) -> str:
        return "action_acknowledge_experience"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = text_of(tracker)
        if text.startswith("/"):  # a button: nothing told yet, so invite the story
            self.utter(dispatcher, "utter_invite_story")
            return []
        language = self.language(tracker)
        category = runtime.behaviour_lexicon().classify(text, language)
        behaviour = category and runtime.renderer().phrase(f"behaviour_{category}", language)
        if behaviour:
            self.utter(dispatcher, "utter_acknowledge_experience", behaviour=behaviour)
        else:
            self.utter(dispatcher, "utter_acknowledge_experience_general")
        return []
