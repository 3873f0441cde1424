"""The report form's questions and the checks of each answer. What an answer means is
decided in bot/report/answers; the validators move values between the tracker and it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    AskForSlot,
    FormThatStepsAside,
    Slots,
    phrases,
    turn_of,
)
from bot import runtime
from bot.advisor.questions import KNOWN_POST
from bot.directory.records import Directory
from bot.directory.resolution import names_a_post
from bot.evidence.dialogue import file_label
from bot.evidence.removal import ALL_FILES, chosen_removal, may_choose_removal
from bot.forms.answer import Answer
from bot.forms.choices import match_choice
from bot.forms.interruptions import QUESTION_INTENTS, Expects, Turn, declines, skips
from bot.report.answers import (
    answer_contact,
    answer_contact_details,
    answer_involved,
    answer_kind,
    answer_spoke_to,
    answer_start,
    answer_what_happened,
    answer_when,
    answer_where,
    answer_witnesses,
    asked_again,
    place_post,
)
from bot.report.form import (
    FILES,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_CONTACT_DETAILS,
    REPORT_DESCRIPTION,
    REPORT_INVOLVED,
    REPORT_KIND,
    REPORT_POST_CODE,
    REPORT_POST_COUNTRY,
    REPORT_SPOKE_TO,
    REPORT_START,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_WITNESSES,
    SKIPPED,
    STARTED,
    Phrase,
    change_options,
    confirm_options,
    contact_options,
    is_done,
    kind_options,
    removes_files,
    required_slots,
    says_only_yes,
    says_skip,
    spoke_to_options,
    start_options,
)
from bot.report.memory import with_carried_over
from bot.report.summary import answer_confirm, move_on

logger = logging.getLogger(__name__)


class AskReportKind(AskForSlot):
    slot = REPORT_KIND


class AskReportWhen(AskForSlot):
    slot = REPORT_WHEN


class AskReportWhere(AskForSlot):
    slot = REPORT_WHERE


class AskReportInvolved(AskForSlot):
    slot = REPORT_INVOLVED


class AskReportWitnesses(AskForSlot):
    slot = REPORT_WITNESSES


class AskReportSpokeTo(AskForSlot):
    slot = REPORT_SPOKE_TO


class AskReportContact(AskForSlot):
    slot = REPORT_CONTACT


async def current_directory() -> Optional[Directory]:
    """The directory for finding the post; None when it cannot be read (the words are kept
    either way; the post is a help)."""
    try:
        return await runtime.directory_service().current()
    except Exception as error:
        logger.warning("post lookup unavailable: %s", type(error).__name__)
        return None


class ValidateReportForm(FormThatStepsAside):
    answerable = QUESTION_INTENTS | {"cancel", "emergency", "self_harm", "nlu_fallback"}

    def name(self) -> str:
        return "validate_report_form"

    def answerable_at(self, requested_slot: str) -> frozenset[str]:
        # "An advisor first" is one of the answers to "shall we start?".
        if requested_slot == REPORT_START:
            return self.answerable | {"find_advisor"}
        return self.answerable

    def expects(self, requested_slot: str) -> Expects:
        if requested_slot in (REPORT_START, REPORT_WHAT_HAPPENED):
            return Expects.STORY  # typing what it is about at the start is the first answer
        if requested_slot in _CHOICES:
            return Expects.CHOICE
        return Expects.TEXT

    def selects_choice(self, requested_slot: str, tracker: Tracker) -> bool:
        lookup = phrases(self.language(tracker)).lookup
        if requested_slot == REPORT_WHAT_HAPPENED:
            # "send" or "done" after the story is the answer, whatever the model reads in
            # it ("verstuur" was read as cancel and the report was dropped).
            return is_done(turn_of(tracker).text, lookup)
        if requested_slot == REPORT_CONFIRM and tracker.get_slot(REPORT_CHANGING) == FILES:
            return may_choose_removal(turn_of(tracker).text, lookup)
        options = _CHOICES.get(requested_slot)
        if options is None:
            return False
        return match_choice(turn_of(tracker).text, options(lookup)) is not None

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        return required_slots(
            tracker.get_slot(REPORT_CONTACT),
            tracker.get_slot(REPORT_START),
            tracker.get_slot(REPORT_CONFIRM),
        )

    def _settled(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, answer: Answer
    ) -> Slots:
        description = tracker.get_slot(REPORT_DESCRIPTION)
        return self.settled(dispatcher, tracker, slot, answer, lambda: move_on(slot, description))

    def _lookup(self, tracker: Tracker) -> Phrase:
        return phrases(self.language(tracker)).lookup

    def _classify(self, tracker: Tracker) -> Any:
        language = self.language(tracker)
        return lambda text: runtime.behaviour_lexicon().classify(text, language)

    def validate_report_start(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        answer = answer_start(
            turn_of(tracker), tracker.get_slot(REPORT_DESCRIPTION), phrase, self._classify(tracker)
        )
        if answer.slots.get(REPORT_START) == STARTED:
            answer = with_carried_over(answer, tracker.current_slot_values(), phrase)
        return self._settled(dispatcher, tracker, REPORT_START, answer)

    def validate_report_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        turn = _with_text(turn_of(tracker), value)
        description = tracker.get_slot(REPORT_DESCRIPTION)
        answer = answer_kind(turn, description, phrase, self._classify(tracker))
        return self._settled(dispatcher, tracker, REPORT_KIND, answer)

    def validate_report_what_happened(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        description = tracker.get_slot(REPORT_DESCRIPTION)
        phrase = phrases(self.language(tracker)).lookup
        answer = answer_what_happened(_with_text(turn_of(tracker), value), description, phrase)
        return self._settled(dispatcher, tracker, REPORT_WHAT_HAPPENED, answer)

    def validate_report_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = self._lookup(tracker)
        if says_only_yes(turn_of(tracker).text, phrase):
            return self._settled(dispatcher, tracker, REPORT_WHEN, asked_again(REPORT_WHEN))
        today = datetime.now(timezone.utc).date()
        answer = answer_when(
            given_unless_declined(value, tracker, phrase),
            today,
            self.language(tracker),
        )
        return self._settled(dispatcher, tracker, REPORT_WHEN, answer)

    async def validate_report_where(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = self._lookup(tracker)
        if says_only_yes(turn_of(tracker).text, phrase):
            return self._settled(dispatcher, tracker, REPORT_WHERE, asked_again(REPORT_WHERE))
        directory = await current_directory()
        value = given_unless_declined(value, tracker, phrase)
        turn = turn_of(tracker)
        if (
            value == SKIPPED
            and not turn.is_payload
            and directory is not None
            and names_a_post(turn.text, directory)
        ):
            value = turn.text  # "piter", read as 'skip', names the place
        answer = answer_where(value)
        if answer.post_words is not None:
            answer = place_post(answer.post_words, directory)
            code = answer.slots.get(REPORT_POST_CODE)
            if code:  # an advisor search later proposes it
                answer = replace(answer, slots={**answer.slots, KNOWN_POST: code})
        return self._settled(dispatcher, tracker, REPORT_WHERE, answer)

    def validate_report_involved(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._settled(
            dispatcher,
            tracker,
            REPORT_INVOLVED,
            answer_involved(typed_unless_skipped(value, tracker, self._lookup(tracker))),
        )

    def validate_report_witnesses(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._settled(
            dispatcher,
            tracker,
            REPORT_WITNESSES,
            answer_witnesses(typed_unless_skipped(value, tracker, self._lookup(tracker))),
        )

    def validate_report_spoke_to(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        turn = turn_of(tracker)
        if not turn.is_payload and match_choice(turn.text, spoke_to_options(phrase)):
            typed = turn.text  # "nadie" names a choice, though the model read it as skip
        else:
            typed = typed_unless_skipped(value, tracker, phrase)
        answer = answer_spoke_to(_with_text(turn, typed), phrase)
        return self._settled(dispatcher, tracker, REPORT_SPOKE_TO, answer)

    def validate_report_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        answer = answer_contact(_with_text(turn_of(tracker), value), phrase)
        return self._settled(dispatcher, tracker, REPORT_CONTACT, answer)

    def validate_report_contact_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        contact = tracker.get_slot(REPORT_CONTACT)
        region = tracker.get_slot(REPORT_POST_COUNTRY)
        answer = answer_contact_details(value, contact, region)
        return self._settled(dispatcher, tracker, REPORT_CONTACT_DETAILS, answer)

    async def validate_report_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        changing = tracker.get_slot(REPORT_CHANGING)
        phrase = phrases(self.language(tracker)).lookup
        if changing == FILES:
            return await self._remove_file(value, dispatcher, tracker, phrase)
        turn = _with_text(turn_of(tracker), value)
        answer = answer_confirm(turn, bool(changing), phrase)
        if removes_files(turn.text, bool(changing), phrase):
            # "Files" in the summary's choices: the only file is removed, and the summary
            # comes back; of several, the user is asked which (bot/evidence/removal.py).
            desk = runtime.evidence_desk()
            if len(await desk.held(tracker.sender_id)) > 1:
                return {REPORT_CONFIRM: None, REPORT_CHANGING: FILES}
            await desk.discard(tracker.sender_id)
            dispatcher.utter_message(response="utter_files_discarded")
        return self._settled(dispatcher, tracker, REPORT_CONFIRM, answer)

    async def _remove_file(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, phrase: Phrase
    ) -> Slots:
        """The answer to "which file?": one, all or none goes, then the summary comes back;
        an answer that names none is asked again once, then nothing is removed."""
        desk = runtime.evidence_desk()
        files = await desk.held(tracker.sender_id)
        chosen = chosen_removal(value, files, phrase)
        back = Answer({REPORT_CONFIRM: None, REPORT_CHANGING: None})
        answer = Answer({REPORT_CONFIRM: None}, refused=True) if chosen is None else back
        if chosen == ALL_FILES:
            await desk.discard(tracker.sender_id)
            answer = replace(back, say=("utter_files_discarded",))
        removed = next((file for file in files if file.id == chosen), None)
        if removed is not None:
            await desk.discard(tracker.sender_id, [removed.id])
            label = file_label(removed, phrase)
            answer = replace(back, say=("utter_file_removed",), variables={"file": label})
        return self.settled(dispatcher, tracker, REPORT_CONFIRM, answer, lambda: back)


# The choice questions and their options in the conversation language.
_CHOICES: Dict[str, Callable[[Phrase], Mapping[str, Sequence[str]]]] = {
    REPORT_START: start_options,
    REPORT_KIND: kind_options,
    REPORT_SPOKE_TO: spoke_to_options,
    REPORT_CONTACT: contact_options,
    REPORT_CONFIRM: lambda phrase: {**confirm_options(phrase), **change_options(phrase)},
}


def typed_unless_skipped(value: Any, tracker: Tracker, phrase: Phrase) -> Any:
    """The typed words when the mapping took them as 'skip' but the model was not sure
    ("la semana pasada" read as skip at 0.44): nothing the user wrote is lost. Words that
    only pass the question ("liever niet") skip it, whatever the model read."""
    turn = turn_of(tracker)
    if not turn.is_payload and says_skip(turn.text, phrase):
        return SKIPPED
    if value == SKIPPED and turn.intent == "skip" and not skips(turn):
        return turn.text
    return value


def given_unless_declined(value: Any, tracker: Tracker, phrase: Phrase) -> Any:
    """As typed_unless_skipped; a short "no" to "when?" or "where?" gives nothing ("not
    given" in the summary), not the word "no" as the time or the place."""
    value = typed_unless_skipped(value, tracker, phrase)
    if isinstance(value, str) and value != SKIPPED and declines(turn_of(tracker)):
        return SKIPPED
    return value


def _with_text(turn: Turn, value: Any) -> Turn:
    """The message as the slot holds it: a button's entity value ('bullying') rather than
    its payload text."""
    if isinstance(value, str) and value != turn.text:
        return replace(turn, text=value)
    return turn
