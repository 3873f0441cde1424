"""The report form: asks step by step, checks each answer, shows a summary, and stores the
report in the case store only when the reporter sends it (bot/report/, bot/cases/)."""

from __future__ import annotations

import logging
from abc import abstractmethod
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import AssistantAction
from bot import runtime
from bot.cases.intake import (
    CONTACTS,
    KINDS,
    SPOKE_TO,
    InvalidReport,
    append_description,
    contact_details,
    optional_text,
    parse_when,
)
from bot.cases.model import StorageUnavailable
from bot.directory.resolution import UNKNOWN, resolve_post
from bot.report.form import (
    CHANGE,
    CHANGEABLE,
    CONTACTS_WITH_DETAILS,
    DONE,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_CONTACT_DETAILS,
    REPORT_DESCRIPTION,
    REPORT_INVOLVED,
    REPORT_KIND,
    REPORT_POST_CODE,
    REPORT_POST_COUNTRY,
    REPORT_SLOTS,
    REPORT_SPOKE_TO,
    REPORT_SUBMITTED,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_WITNESSES,
    SEND,
    SKIPPED,
    Phrase,
    build_report,
    change_options,
    confirm_options,
    contact_options,
    has_report,
    is_done,
    kind_options,
    match_choice,
    required_slots,
    spoke_to_options,
    summary_variables,
)
from bot.report.status import slot_resets

logger = logging.getLogger(__name__)

Slots = Dict[str, Any]


def phrases(language: str) -> Phrase:
    return lambda name: runtime.renderer().phrase(name, language)


def intent_of(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def is_payload(value: Any) -> bool:
    """A button from an earlier question ('/report{...}'): no answer to this one."""
    return isinstance(value, str) and value.startswith("/")


# "cancel" leaves a form only as a short message of its own: in a story or a passphrase the
# word (or a misread intent) is part of the answer, and the answer is kept.
MAX_CANCEL_WORDS = 4


def cancels(tracker: Tracker) -> bool:
    text = (tracker.latest_message or {}).get("text") or ""
    return intent_of(tracker) == "cancel" and len(text.split()) <= MAX_CANCEL_WORDS


def problem(dispatcher: CollectingDispatcher, error: InvalidReport) -> None:
    """Tells what is wrong with an answer; the reason is a key, never the user's text."""
    reason = error.reason if error.reason != "unknown_choice" else "pick_one"
    AssistantAction.utter(dispatcher, f"utter_report_problem_{reason}")


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


class ValidateReportForm(FormValidationAction, AssistantAction):
    def name(self) -> str:
        return "validate_report_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot("requested_slot") == REPORT_WHAT_HAPPENED and cancels(tracker):
            # The form steps aside; the rule for cancel (data/rules/report.yml) answers.
            return [ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        return required_slots(tracker.get_slot(REPORT_CONTACT))

    def _choice(
        self,
        value: Any,
        allowed: tuple[str, ...],
        options: Dict[str, List[str]],
        dispatcher: CollectingDispatcher,
    ) -> Optional[str]:
        if value in allowed:
            return value
        chosen = match_choice(value, options)
        if chosen is None:
            problem(dispatcher, InvalidReport("choice", "unknown_choice"))
        return chosen

    def validate_report_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        options = kind_options(phrases(self.language(tracker)))
        return {REPORT_KIND: self._choice(value, KINDS, options, dispatcher)}

    def validate_report_what_happened(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        description = tracker.get_slot(REPORT_DESCRIPTION)
        finished = intent_of(tracker) == "skip" or is_done(
            value, phrases(self.language(tracker))
        )
        if description and finished:
            return {REPORT_WHAT_HAPPENED: DONE}
        if finished or is_payload(value):
            return {REPORT_WHAT_HAPPENED: None}  # a button, not part of the story
        if intent_of(tracker) == "emergency":  # safety first; the words stay in the story
            self.utter(dispatcher, "utter_emergency")
        try:
            combined = append_description(description, value)
        except InvalidReport as error:
            problem(dispatcher, error)
            return {REPORT_WHAT_HAPPENED: None}
        # Asked again ('anything to add?') until the reporter says they have finished.
        return {REPORT_WHAT_HAPPENED: None, REPORT_DESCRIPTION: combined}

    def validate_report_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if value == SKIPPED:
            return {REPORT_WHEN: value}
        if is_payload(value):
            return {REPORT_WHEN: None}
        try:
            today = datetime.now(timezone.utc).date()
            when = parse_when(value, today, self.language(tracker))
        except InvalidReport as error:
            problem(dispatcher, error)
            return {REPORT_WHEN: None}
        return {REPORT_WHEN: when.words}

    async def validate_report_where(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        resets = slot_resets((REPORT_POST_CODE, REPORT_POST_COUNTRY))
        if value == SKIPPED:
            return {REPORT_WHERE: value, **resets}
        if is_payload(value):
            return {REPORT_WHERE: None}
        try:
            words = optional_text(value, "where")
        except InvalidReport as error:
            problem(dispatcher, error)
            return {REPORT_WHERE: None}
        if words is None:
            return {REPORT_WHERE: None}
        try:
            directory = await runtime.directory_service().current()
        except Exception as error:  # the words are kept either way; the post is a help
            logger.warning("post lookup unavailable: %s", type(error).__name__)
            return {REPORT_WHERE: words, **resets}
        resolution = resolve_post(words, directory)
        if len(resolution.candidates) == 1:
            post = resolution.candidates[0].post
            return {
                REPORT_WHERE: words,
                REPORT_POST_CODE: post.code,
                REPORT_POST_COUNTRY: post.country,
            }
        if resolution.problem == UNKNOWN:
            self.utter(dispatcher, "utter_report_unknown_post")
        return {REPORT_WHERE: words, **resets}

    def _optional(
        self, slot: str, field: str, value: Any, dispatcher: CollectingDispatcher
    ) -> Slots:
        if value == SKIPPED:
            return {slot: value}
        if is_payload(value):
            return {slot: None}
        try:
            return {slot: optional_text(value, field)}
        except InvalidReport as error:
            problem(dispatcher, error)
            return {slot: None}

    def validate_report_involved(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._optional(REPORT_INVOLVED, "involved", value, dispatcher)

    def validate_report_witnesses(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._optional(REPORT_WITNESSES, "witnesses", value, dispatcher)

    def validate_report_spoke_to(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        options = spoke_to_options(phrases(self.language(tracker)))
        allowed = SPOKE_TO + (SKIPPED,)
        return {REPORT_SPOKE_TO: self._choice(value, allowed, options, dispatcher)}

    def validate_report_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        options = contact_options(phrases(self.language(tracker)))
        contact = self._choice(value, CONTACTS, options, dispatcher)
        return {REPORT_CONTACT: contact, REPORT_CONTACT_DETAILS: None}

    def validate_report_contact_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        kind = tracker.get_slot(REPORT_CONTACT)
        if kind not in CONTACTS_WITH_DETAILS or is_payload(value):
            return {REPORT_CONTACT_DETAILS: None}
        region = tracker.get_slot(REPORT_POST_COUNTRY)
        try:
            return {REPORT_CONTACT_DETAILS: contact_details(kind, value, region)}
        except InvalidReport as error:
            problem(dispatcher, error)
            return {REPORT_CONTACT_DETAILS: None}

    def validate_report_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker))
        if value not in (SEND, CHANGE) and not str(value).startswith("change_"):
            options = (
                change_options(phrase)
                if tracker.get_slot(REPORT_CHANGING)
                else confirm_options(phrase)
            )
            value = match_choice(value, options)
        if value == SEND:
            return {REPORT_CONFIRM: SEND, REPORT_CHANGING: None}
        if value == CHANGE:
            return {REPORT_CONFIRM: None, REPORT_CHANGING: True}
        part = str(value).removeprefix("change_")
        if value and part in CHANGEABLE:
            # Only that part is asked again; then the summary comes back.
            return {
                **slot_resets(CHANGEABLE[part]),
                REPORT_CONFIRM: None,
                REPORT_CHANGING: None,
            }
        problem(dispatcher, InvalidReport("confirm", "unknown_choice"))
        return {REPORT_CONFIRM: None}


class ActionStartReport(AssistantAction):
    """A new report starts empty: nothing from an earlier one is carried over."""

    def name(self) -> str:
        return "action_start_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        resets = slot_resets(REPORT_SLOTS)
        return [SlotSet(name, value) for name, value in resets.items()] + [
            SlotSet(REPORT_SUBMITTED, None)
        ]


class ActionAskReportWhatHappened(AssistantAction):
    def name(self) -> str:
        return "action_ask_report_what_happened"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(REPORT_DESCRIPTION):
            self.utter(dispatcher, "utter_report_what_happened_more")
        else:
            self.utter(dispatcher, "utter_report_what_happened_first")
        return []


class ActionAskReportContactDetails(AssistantAction):
    def name(self) -> str:
        return "action_ask_report_contact_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(REPORT_CONTACT) == "phone":
            self.utter(dispatcher, "utter_report_ask_phone")
        else:
            self.utter(dispatcher, "utter_report_ask_email")
        return []


class ActionAskReportConfirm(AssistantAction):
    """The summary to confirm, or the question which part to change."""

    def name(self) -> str:
        return "action_ask_report_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(REPORT_CHANGING):
            self.utter(dispatcher, "utter_report_which_part")
            return []
        variables = summary_variables(
            tracker.current_slot_values(), phrases(self.language(tracker))
        )
        self.utter(dispatcher, "utter_report_summary", **variables)
        return []


class ActionSubmitReport(AssistantAction):
    """Stores the report, then gives the receipt. Sending twice stores it once."""

    def name(self) -> str:
        return "action_submit_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        slots = tracker.current_slot_values()
        if slots.get(REPORT_SUBMITTED):
            self.utter(dispatcher, "utter_report_already_sent")
            return []
        if not has_report(slots):
            self.utter(dispatcher, "utter_report")
            return []
        report = build_report(
            slots,
            self.language(tracker),
            tracker.get_latest_input_channel() or "unknown",
            runtime.reference_for(tracker.sender_id),
        )
        try:
            receipt = await runtime.case_store().submit_report(report)
        except StorageUnavailable:
            # Nothing was stored: the answers stay, so sending again needs no retyping.
            self.utter(dispatcher, "utter_report_storage_unavailable")
            return []
        except InvalidReport as error:
            problem(dispatcher, error)
            return []
        self.utter(
            dispatcher,
            "utter_report_received",
            code=receipt.display_code,
            passphrase=receipt.passphrase,
        )
        resets = slot_resets(REPORT_SLOTS)
        return [SlotSet(name, value) for name, value in resets.items()] + [
            SlotSet(REPORT_SUBMITTED, True)
        ]


class ActionCancelReport(AssistantAction):
    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_report_cancelled")
        resets = slot_resets(REPORT_SLOTS)
        return [SlotSet(name, value) for name, value in resets.items()]
