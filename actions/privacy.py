"""Requests to delete data: said honestly, with a reference the coordinator can act on."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction
from bot import runtime


class ActionDeleteData(AssistantAction):
    def name(self) -> str:
        return "action_delete_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        reference = runtime.reference_for(tracker.sender_id)
        self.utter(dispatcher, "utter_delete_data", conversation_reference=reference)
        return []
