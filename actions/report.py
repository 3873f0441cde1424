"""The report: starts it with what was said before, asks the open questions, shows the
summary, and stores the report in the case store only when the reporter sends it. The form's
choices and the checks of each answer are in actions/report_form."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    AssistantAction,
    attempt_of,
    phrases,
    slot_events,
)
from actions.evidence import files_sent
from actions.report_form import current_directory
from bot import runtime
from bot.advisor.questions import KNOWN_POST, chosen_post, post_label
from bot.cases.intake import InvalidReport
from bot.cases.model import StorageUnavailable
from bot.evidence.dialogue import files_listed
from bot.evidence.removal import removal_choices
from bot.evidence.store import Given
from bot.report.answers import (
    problem_response,
)
from bot.report.form import (
    DECLINED,
    FILES,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_DESCRIPTION,
    REPORT_START,
    REPORT_SUBMITTED,
    STOPPED,
    build_report,
    contact_details_question,
    forget_report,
    has_report,
    summary_variables,
    what_happened_question,
)
from bot.report.memory import AdvisorPost, carried_over, said_before
from bot.security.redaction import RECEIPT, SECRET_MARK

logger = logging.getLogger(__name__)


class ActionStartReport(AssistantAction):
    """A new report starts with nothing from an earlier one, but with what the reporter
    already said in this conversation (bot/report/memory): their story, the kind it names,
    the wish to stay anonymous, the post of their advisor search."""

    def name(self) -> str:
        return REPORT_STARTS

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = self.language(tracker)
        said = said_before(tracker.events, REPORT_ENDS)
        anonymous = phrases(language).lookup("report_anonymous_words") or ""
        known = carried_over(
            said,
            lambda text: runtime.behaviour_lexicon().classify(text, language),
            [word for word in anonymous.split(",") if word.strip()],
            await advisor_post(tracker, language),
        )
        return slot_events({**forget_report(), REPORT_SUBMITTED: None, **known})


# A report ends when it is sent or cancelled; what was said before that is not carried over.
REPORT_ENDS = ("action_submit_report", "action_cancel_report")
REPORT_STARTS = "action_start_report"


async def advisor_post(tracker: Tracker, language: str) -> Optional[AdvisorPost]:
    """The post settled earlier in the conversation (an advisor search), if it can be read."""
    code = chosen_post(tracker.get_slot(KNOWN_POST))
    directory = await current_directory() if code else None
    post = directory.post(code) if directory else None
    if post is None:
        return None
    return AdvisorPost(post.code, post.country, post_label(post, language))


class ActionAskReportStart(AssistantAction):
    """Shall we start? The introduction: what happens to a report, and the other ways."""

    def name(self) -> str:
        return "action_ask_report_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_report")
        return []


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
        changing = tracker.get_slot(REPORT_CHANGING)
        if changing and changing != FILES:
            self.utter(dispatcher, "utter_report_which_part")
            return []
        phrase = phrases(self.language(tracker)).lookup
        files = await runtime.evidence_desk().held(tracker.sender_id)
        if changing == FILES and files:
            choices = removal_choices(files, phrase)
            self.utter(dispatcher, "utter_report_which_file", choices=choices)
            return []
        variables = summary_variables(tracker.current_slot_values(), phrase)
        self.utter(
            dispatcher, "utter_report_summary", **variables, files=files_listed(files, phrase)
        )
        # No file left to choose from (deleted meanwhile): the summary's own choices count.
        return slot_events({REPORT_CHANGING: None}) if changing == FILES else []


class ActionSubmitReport(AssistantAction):
    """Stores the report, then gives the receipt. Sending twice stores it once, and so does
    sending again after a try whose answer was lost: that case gets a new receipt."""

    def name(self) -> str:
        return "action_submit_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        slots = tracker.current_slot_values()
        if slots.get(REPORT_START) == DECLINED:
            return slot_events(forget_report())  # "not now" was answered when it was said
        if slots.get(REPORT_CONFIRM) == STOPPED:
            self.utter(dispatcher, "utter_report_not_sent")
            return slot_events(forget_report())
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
            receipt = await runtime.case_store().submit_report(
                report, submission=attempt_of(tracker.sender_id, tracker.events, REPORT_STARTS)
            )
        except StorageUnavailable:
            # Nothing was stored: the answers stay, so sending again needs no retyping.
            self.utter(dispatcher, "utter_report_storage_unavailable")
            return []
        except InvalidReport as error:
            self.utter(dispatcher, problem_response(error))
            return []
        # Marked as showing a receipt: the conversation store keeps this message without
        # its text or values (bot/security/redaction.py), so the receipt lives only with
        # the reporter.
        # The files go with the case before the receipt is shown; a file that cannot move
        # stays held (deleted after VM_EVIDENCE_HOLD_HOURS) and the reporter is not told
        # it went.
        files = await _give_files(tracker.sender_id, receipt.case_id, report.contact)
        self.utter(
            dispatcher,
            "utter_report_received",
            code=receipt.display_code,
            passphrase=receipt.passphrase,
            **{SECRET_MARK: RECEIPT},
        )
        files_sent(self, dispatcher, files)
        return slot_events({**forget_report(), REPORT_SUBMITTED: True})


class ActionCancelReport(AssistantAction):
    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        await runtime.evidence_desk().discard(tracker.sender_id)  # nothing of it is kept
        self.utter(dispatcher, "utter_report_cancelled")
        return slot_events(forget_report())


async def _give_files(sender_id: str, case_id: int, contact: str) -> Given:
    desk = runtime.evidence_desk()
    try:
        return await desk.give_to_case(sender_id, case_id, contact == "anonymous")
    except Exception as error:  # the report is stored: its receipt must still be given
        logger.warning("Files could not go with a report (%s).", type(error).__name__)
        return Given()
