"""The report form: asks step by step, checks each answer, shows a summary, and stores the
report in the case store only when the reporter sends it. What an answer means is decided in
bot/report/; the validators here move values between the tracker and those functions."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    AskForSlot,
    AssistantAction,
    FormThatStepsAside,
    Slots,
    answered,
    intent_of,
    phrases,
    slot_events,
)
from bot import runtime
from bot.cases.intake import InvalidReport
from bot.cases.model import StorageUnavailable
from bot.directory.records import Directory
from bot.report.answers import (
    answer_confirm,
    answer_contact,
    answer_contact_details,
    answer_involved,
    answer_kind,
    answer_spoke_to,
    answer_what_happened,
    answer_when,
    answer_where,
    answer_witnesses,
    cancels_report,
    place_post,
    problem_response,
)
from bot.report.form import (
    REPORT_CHANGING,
    REPORT_CONTACT,
    REPORT_DESCRIPTION,
    REPORT_INVOLVED,
    REPORT_KIND,
    REPORT_POST_COUNTRY,
    REPORT_SPOKE_TO,
    REPORT_SUBMITTED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_WITNESSES,
    build_report,
    contact_details_question,
    forget_report,
    has_report,
    required_slots,
    summary_variables,
    what_happened_question,
)

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
    def name(self) -> str:
        return "validate_report_form"

    def leaves(self, requested_slot: Optional[str], text: str, intent: Optional[str]) -> bool:
        return cancels_report(requested_slot, text, intent)

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        return required_slots(tracker.get_slot(REPORT_CONTACT))

    def validate_report_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        return answered(dispatcher, answer_kind(value, phrase))

    def validate_report_what_happened(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        description = tracker.get_slot(REPORT_DESCRIPTION)
        phrase = phrases(self.language(tracker)).lookup
        answer = answer_what_happened(value, description, intent_of(tracker), phrase)
        return answered(dispatcher, answer)

    def validate_report_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        today = datetime.now(timezone.utc).date()
        return answered(dispatcher, answer_when(value, today, self.language(tracker)))

    async def validate_report_where(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        answer = answer_where(value)
        if answer.post_words is not None:
            answer = place_post(answer.post_words, await current_directory())
        return answered(dispatcher, answer)

    def validate_report_involved(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return answered(dispatcher, answer_involved(value))

    def validate_report_witnesses(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return answered(dispatcher, answer_witnesses(value))

    def validate_report_spoke_to(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        return answered(dispatcher, answer_spoke_to(value, phrase))

    def validate_report_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phrase = phrases(self.language(tracker)).lookup
        return answered(dispatcher, answer_contact(value, phrase))

    def validate_report_contact_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        contact = tracker.get_slot(REPORT_CONTACT)
        region = tracker.get_slot(REPORT_POST_COUNTRY)
        return answered(dispatcher, answer_contact_details(value, contact, region))

    def validate_report_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        changing = bool(tracker.get_slot(REPORT_CHANGING))
        phrase = phrases(self.language(tracker)).lookup
        return answered(dispatcher, answer_confirm(value, changing, phrase))


class ActionStartReport(AssistantAction):
    """A new report starts empty: nothing from an earlier one is carried over."""

    def name(self) -> str:
        return "action_start_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        return slot_events({**forget_report(), REPORT_SUBMITTED: None})


class ActionAskReportWhatHappened(AssistantAction):
    def name(self) -> str:
        return "action_ask_report_what_happened"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, what_happened_question(tracker.get_slot(REPORT_DESCRIPTION)))
        return []


class ActionAskReportContactDetails(AssistantAction):
    def name(self) -> str:
        return "action_ask_report_contact_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, contact_details_question(tracker.get_slot(REPORT_CONTACT)))
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
            tracker.current_slot_values(), phrases(self.language(tracker)).lookup
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
            self.utter(dispatcher, problem_response(error))
            return []
        self.utter(
            dispatcher,
            "utter_report_received",
            code=receipt.display_code,
            passphrase=receipt.passphrase,
        )
        return slot_events({**forget_report(), REPORT_SUBMITTED: True})


class ActionCancelReport(AssistantAction):
    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_report_cancelled")
        return slot_events(forget_report())
