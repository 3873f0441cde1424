"""Deleting one's data: asked first, said exactly, and done by the tracker store.

`action_delete_data` says what would be deleted (this conversation's messages, which the
assistant keeps) and what would not (a report sent, a conversation handed to an advisor,
the copies in the messaging app and on the phone), and asks yes or no. Inside a form it
deletes nothing and the form goes on. `action_confirm_delete_data` answers the yes or no:
on yes it returns `Restarted`, and the tracker store deletes every stored event of the
conversation when it saves this action followed by `Restarted` (bot/tracker_store.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import Restarted
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, active_form, intent_of
from bot import runtime

ASK = "action_delete_data"
CONFIRM = "action_confirm_delete_data"
# Rasa's own bookkeeping actions, which may sit between the question and the answer.
_BOOKKEEPING = {"action_listen", "action_session_start", "action_unlikely_intent"}


def question_was_asked(tracker: Tracker) -> bool:
    """Whether the action before the latest user message was the deletion question (and so
    this yes answers it): a yes to anything else never deletes."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif kind == "action" and seen_user and event.get("name") not in _BOOKKEEPING:
            return event.get("name") == ASK
    return False


class ActionDeleteData(AssistantAction):
    def name(self) -> str:
        return ASK

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if active_form(tracker):
            # Deleting halfway would leave the form asking about answers that are gone.
            self.utter(dispatcher, "utter_delete_data_in_form")
        else:
            self.utter(dispatcher, "utter_delete_data")
        return []


class ActionConfirmDeleteData(AssistantAction):
    def name(self) -> str:
        return CONFIRM

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        confirmed = (
            intent_of(tracker) == "affirm"
            and not active_form(tracker)
            and question_was_asked(tracker)
        )
        if not confirmed:
            self.utter(dispatcher, "utter_delete_data_kept")
            return []
        await runtime.evidence_desk().discard(tracker.sender_id)  # files not yet given
        # Said before the events go: the answer travels in this response, not the store.
        self.utter(dispatcher, "utter_delete_data_done")
        return [Restarted()]
