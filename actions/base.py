"""What every action shares: reading the latest message, the content's phrases, answering
with named responses, and asking a form's question. The bases are abstract, so rasa-sdk
does not register them as actions; no action module imports another."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import runtime
from bot.advisor.matches import Phrases
from bot.language.detection import reply_language
from bot.report.answers import Answer

Slots = Dict[str, Any]


def intent_of(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def text_of(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def choice_of(tracker: Tracker) -> Optional[str]:
    """The value a button carried (`/affirm{"advisor_choice": "RAB"}`), if any."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "advisor_choice" and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


def phrases(language: str) -> Phrases:
    """The content's phrases in one language; `.lookup` gives None for a missing one."""
    renderer = runtime.renderer()
    return Phrases(lambda name: renderer.phrase(name, language))


def slot_events(slots: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [SlotSet(name, value) for name, value in slots.items()]


def answered(dispatcher: CollectingDispatcher, answer: Answer) -> Slots:
    """Says what an answer calls for, then gives the slots it sets (for a validator)."""
    for response in answer.say:
        dispatcher.utter_message(response=response)
    return dict(answer.slots)


class AssistantAction(Action, ABC):
    """An action that answers with named responses from the content store."""

    @abstractmethod  # keeps rasa-sdk from registering this base as an action
    def name(self) -> str: ...

    @staticmethod
    def language(tracker: Tracker) -> str:
        """The language the answer will be rendered in (see bot.content.nlg)."""
        return reply_language(
            tracker.get_slot("language"), (tracker.latest_message or {}).get("language")
        )

    @staticmethod
    def utter(
        dispatcher: CollectingDispatcher,
        response: str,
        language: Optional[str] = None,
        **variables: Any,
    ) -> None:
        if language:
            variables["language"] = language
        dispatcher.utter_message(response=response, **variables)


class AskForSlot(AssistantAction):
    """Asks a form's question with the response `utter_ask_<slot>` from the content store.
    An action rather than a domain response: `rasa data validate` counts a response that only
    a form asks as unused. Subclasses only name the slot."""

    @property
    @abstractmethod  # keeps rasa-sdk from registering this base as an action
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, f"utter_ask_{self.slot}")
        return []


class FormThatStepsAside(FormValidationAction, AssistantAction):
    """A form's validation that steps aside (the form is rejected, so the rule for what the
    user asked runs) when their message leaves the form; `leaves` is bot/'s policy."""

    @abstractmethod  # keeps rasa-sdk from registering this base as an action
    def leaves(self, requested_slot: Optional[str], text: str, intent: Optional[str]) -> bool: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if self.leaves(tracker.get_slot("requested_slot"), text_of(tracker), intent_of(tracker)):
            return [ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)
