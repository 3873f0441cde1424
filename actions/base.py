"""What every action shares: reading the latest message, the content's phrases, answering
with named responses, and asking a form's question. The bases are abstract, so rasa-sdk
does not register them as actions; no action module imports another."""

from __future__ import annotations

import functools
import logging
import sqlite3
from abc import ABC, abstractmethod
from typing import (
    Any,
    Awaitable,
    Callable,
    ClassVar,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
)

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot import runtime
from bot.advisor.matches import Phrases
from bot.cases.model import StorageUnavailable
from bot.encryption import EncryptionKeyError
from bot.evidence.dialogue import SHARE_FILE, file_choice_of
from bot.forms.answer import Answer
from bot.forms.interruptions import Expects, Turn, steps_aside
from bot.forms.tries import FORM_TRIES, settle, tries_of
from bot.handoffs.store import HandoffStoreUnavailable
from bot.language.conversation import reply_language
from bot.report.form import words_of
from bot.security.redaction import RESPONSE_NAME_KEY

Slots = Dict[str, Any]
logger = logging.getLogger(__name__)


def intent_of(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def active_form(tracker: Tracker) -> Optional[str]:
    return (tracker.active_loop or {}).get("name") or None


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


def cancel_words(language: str) -> list[str]:
    """The words of stopping a form, in the user's language and in English, which people
    mix in ("stop", "cancel")."""
    return words_with_english(language, "cancel_words")


def delete_words(language: str) -> list[str]:
    """The words of deleting, in the user's language and in English ("delete")."""
    return words_with_english(language, "delete_words")


def words_with_english(language: str, name: str) -> list[str]:
    """A content phrase's words (bot.report.form.words_of) in the language and in English."""
    found: list[str] = []
    for lang in dict.fromkeys((language, "en")):
        found += words_of(phrases(lang).lookup, name)
    return found


def attempt_of(sender_id: str, events: Sequence[Mapping[str, Any]], start: str) -> Optional[str]:
    """What stays the same on every try of what the action `start` began (a report, a
    handoff), so that trying again stores it once: the conversation, the moment `start`
    last ran and the message before it (a random id). A turn that failed is not saved
    (bot/servers/outages.py), so the try after it sees the same; the next report or
    handoff starts anew. None when `start` is not among the events."""
    message_id: Any = None
    found = None
    for event in events:
        if event.get("event") == "user":
            message_id = event.get("message_id")
        elif event.get("event") == "action" and event.get("name") == start:
            found = f"{sender_id}\n{event.get('timestamp')!r}\n{message_id}"
    return found


def slot_events(slots: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [SlotSet(name, value) for name, value in slots.items()]


def turn_of(tracker: Tracker) -> Turn:
    return Turn.from_parse(tracker.latest_message or {}, tracker.get_slot("language"))


def answered(dispatcher: CollectingDispatcher, answer: Answer) -> Slots:
    """Says what an answer calls for, then gives the slots it sets (for a validator)."""
    for response in answer.say:
        dispatcher.utter_message(response=response, **answer.variables)
    return dict(answer.slots)


# What a database or storage outage raises on its way up: SQLAlchemy's errors (a refused
# connection, an unusable SQLite file, a pool timeout), the driver's own, file errors (the
# handoff spool, key files) and the stores' "unavailable" errors.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    sqlite3.Error,
    OSError,
    StorageUnavailable,
    HandoffStoreUnavailable,
    EncryptionKeyError,
)
TRY_AGAIN = "utter_storage_try_again"

RunMethod = Callable[..., Awaitable[List[Dict[str, Any]]]]


def _guarded(run: RunMethod) -> RunMethod:
    """`run` that answers a storage outage with "please try again" instead of failing: a
    failing action becomes a 500 whose body Rasa logs with the conversation. Nothing is
    lost: the action's slots are left as they were, and a form's question that was being
    answered is asked again, so the user can say it again."""

    @functools.wraps(run)
    async def guarded(
        self: AssistantAction,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[str, Any]]:
        said_before = len(dispatcher.messages)
        try:
            return await run(self, dispatcher, tracker, domain)
        except STORAGE_ERRORS as error:
            # Only the kind: an error's text can hold a statement's parameters (user text).
            logger.error("%s: storage unavailable (%s)", self.name(), type(error).__name__)
            del dispatcher.messages[said_before:]  # no half answer
            if not _said_this_turn(tracker, TRY_AGAIN):  # a form's validation and its question
                self.utter(dispatcher, TRY_AGAIN, self.language(tracker))
            return _ask_again(self, tracker)

    guarded._storage_guarded = True  # type: ignore[attr-defined]
    return guarded


def _said_this_turn(tracker: Tracker, response: str) -> bool:
    """Whether `response` was already said since the user's latest message."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return False
        if (
            event.get("event") == "bot"
            and (event.get("metadata") or {}).get(RESPONSE_NAME_KEY) == response
        ):
            return True
    return False


def _ask_again(action: AssistantAction, tracker: Tracker) -> List[Dict[str, Any]]:
    """A form validation that failed takes back the answer being validated (the form asks
    for it again); every other action changes nothing."""
    if not isinstance(action, FormValidationAction):
        return []
    requested = tracker.get_slot("requested_slot")
    if requested and requested in tracker.slots_to_validate():
        return [SlotSet(requested, None)]
    return []


class AssistantAction(Action, ABC):
    """An action that answers with named responses from the content store. Every subclass's
    `run` answers storage outages with "please try again" (`_guarded`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = getattr(cls, "run", None)
        if run is not None and not getattr(run, "_storage_guarded", False):
            cls.run = _guarded(run)

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


def chooses_originals(tracker: Tracker) -> bool:
    """Whether the message chooses about originals (the button, or its title typed)."""
    message = tracker.latest_message or {}
    return message.get("intent", {}).get("name") == SHARE_FILE and bool(
        file_choice_of(message.get("entities") or [])
    )


class FormThatStepsAside(FormValidationAction, AssistantAction):
    """A form's validation where a typed message is the answer unless it clearly leaves the
    form (bot/forms/interruptions): then the form is rejected, so the rule for what the user
    asked or said runs, and the form asks its question again afterwards. Refused answers are
    counted, so no question comes a third time (bot/forms/tries)."""

    # The intents this form's rules answer in its middle (data/rules/); any other is an answer.
    # A file sent, or a question about sending one, steps aside in every form
    # (data/rules/evidence.yml).
    answerable: ClassVar[frozenset[str]] = frozenset()

    def answerable_at(self, requested_slot: str) -> frozenset[str]:
        return self.answerable

    @abstractmethod  # keeps rasa-sdk from registering this base as an action
    def expects(self, requested_slot: str) -> Expects: ...

    def selects_choice(self, requested_slot: str, tracker: Tracker) -> bool:
        """Whether the message selects one of the question's choices (then it is the answer,
        whatever the intent model read in it)."""
        return False

    def answers_as_typed(self, requested_slot: str, tracker: Tracker) -> bool:
        """Whether the message is the answer whatever was read in it, safety included (a
        passphrase of words drawn by chance)."""
        return False

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        slot = tracker.get_slot("requested_slot")
        turn = turn_of(tracker)
        # Only a message just taken as the answer can step aside: coming back to the form
        # after the interruption was answered, nothing is up for validation.
        if slot and slot in tracker.slots_to_validate() and chooses_originals(tracker):
            # "Keep my originals" typed beside the question (bot.servers.typed_buttons).
            return [SlotSet(slot, None), ActionExecutionRejected(self.form_name())]
        if (
            slot
            and slot in tracker.slots_to_validate()
            and turn.intent in self.answerable_at(slot) | {SHARE_FILE}
            and not self.answers_as_typed(slot, tracker)
            and steps_aside(
                turn,
                self.expects(slot),
                self.selects_choice(slot, tracker),
                cancel_words=cancel_words(self.language(tracker)),
                delete_words=delete_words(self.language(tracker)),
            )
        ):
            # The text was put into the slot by the mapping; it was not an answer.
            return [SlotSet(slot, None), ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    def settled(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        slot: str,
        answer: Answer,
        move_on: Callable[[], Answer],
    ) -> Slots:
        """Says what the answer calls for and gives its slots; a second refusal of the same
        question becomes `move_on()` instead of a third asking."""
        before = tries_of(tracker.get_slot(FORM_TRIES))
        answer, tries = settle(answer, slot, before, move_on)
        slots = answered(dispatcher, answer)
        if tries != before:
            slots[FORM_TRIES] = tries or None
        return slots
