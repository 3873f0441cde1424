"""The user's side of an advisor answering from the console (bot/console): going back to
the assistant while an advisor holds the conversation (bot.servers.held runs it)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction
from bot import runtime


class ActionBackToAssistant(AssistantAction):
    def name(self) -> str:
        return "action_back_to_assistant"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        await runtime.handoff_store().release(runtime.reference_for(tracker.sender_id))
        self.utter(dispatcher, "utter_back_to_assistant")
        return []
