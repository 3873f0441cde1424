"""What every action shares. Abstract, so rasa-sdk does not register it as an action."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.language.detection import reply_language


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
