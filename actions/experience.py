"""Acknowledges what someone went through or saw, and asks whether it is the kind of behaviour
the words suggest."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, text_of
from bot import runtime
from bot.language.reading import INVITATION, asks_whether_it_counts
from bot.security.redaction import RESPONSE_NAME_KEY

# "my boss", "a colleague": who, not yet what happened. Thanking someone for a story they
# have not told yet reads as not listening; an opening gets the invitation instead.
OPENING_MAX_WORDS = 3
# Kinds more often seen than suffered (fraud, misuse of power): acknowledged without
# assuming it was hard for the person. The kind is offered as a guess to be corrected.
INTEGRITY_CONCERNS = frozenset(
    {"fraud", "conflict_of_interest", "misuse_of_information", "misuse_of_power"}
)
EXPERIENCE = "utter_acknowledge_experience"
CONCERN = "utter_acknowledge_concern"


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
        action.utter(dispatcher, INVITATION)
        return
    language = action.language(tracker)
    category = runtime.behaviour_lexicon().classify(text, language)
    behaviour = category and runtime.renderer().phrase(f"behaviour_{category}", language)
    if behaviour:
        response = CONCERN if category in INTEGRITY_CONCERNS else EXPERIENCE
        action.utter(dispatcher, response, behaviour=behaviour)
    elif len(text.split()) <= OPENING_MAX_WORDS and not answers_invitation(tracker):
        action.utter(dispatcher, INVITATION)
    else:
        action.utter(dispatcher, "utter_acknowledge_experience_general")
    if asks_whether_it_counts(tracker.latest_message or {}):
        action.utter(dispatcher, "utter_what_counts")


def answers_invitation(tracker: Tracker) -> bool:
    """Whether the assistant's last words before this message invited the story: then a
    short message ("last week") is what the person chose to tell, and is thanked for,
    not invited again."""
    seen_message = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_message:
                return False
            seen_message = True
        elif seen_message and event.get("event") == "bot":
            return (event.get("metadata") or {}).get(RESPONSE_NAME_KEY) == INVITATION
    return False
