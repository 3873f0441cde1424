"""Following a report with its receipt: the status, the coordinator's messages, and adding
information. The code and passphrase are cleared right after the check; what lets the
reporter add information for a while is a follow-up token (bot/cases/followup.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    AskForSlot,
    AssistantAction,
    FormThatStepsAside,
    Slots,
    active_form,
    answered,
    intent_of,
    phrases,
    slot_events,
    text_of,
    turn_of,
)
from actions.evidence import files_sent
from bot import runtime
from bot.cases.followup import seal_code
from bot.cases.intake import InvalidReport
from bot.cases.model import StorageUnavailable
from bot.cases.receipts import is_passphrase, parse_code
from bot.cases.views import InformationAdded, StatusView
from bot.evidence.dialogue import SHARE_FILE
from bot.forms.answer import Answer
from bot.forms.interruptions import Expects
from bot.language.conversation import reply_language
from bot.report.answers import problem_response
from bot.report.status import (
    GAVE_UP,
    STATUS_CODE,
    STATUS_FOLLOW_UP,
    STATUS_INFORMATION,
    STATUS_PASSPHRASE,
    after_check,
    after_information,
    answer_information,
    answer_passphrase,
    answer_status_code,
    forget_receipt,
    status_check_cancelled,
    status_replies,
)


class AskStatusCode(AskForSlot):
    slot = STATUS_CODE


class AskStatusPassphrase(AskForSlot):
    slot = STATUS_PASSPHRASE


class AskStatusInformation(AskForSlot):
    slot = STATUS_INFORMATION


class ValidateStatusForm(FormThatStepsAside):
    def name(self) -> str:
        return "validate_status_form"

    # Any code or passphrase is tried, whatever its words suggest; only a short "cancel" (or
    # thoughts of self-harm) leaves.
    answerable = frozenset({"cancel", "self_harm"})

    def expects(self, requested_slot: str) -> Expects:
        return Expects.SECRET

    def answers_as_typed(self, requested_slot: str, tracker: Tracker) -> bool:
        # "river bridge jump ..." is a passphrase, not thoughts of self-harm.
        return requested_slot == STATUS_PASSPHRASE and is_passphrase(text_of(tracker))

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        # Two answers that were no receipt code end the check (action_check_status says so).
        return [] if tracker.get_slot(STATUS_CODE) == GAVE_UP else domain_slots

    async def extract_status_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        # A receipt code typed as the message that opens the check is its first answer;
        # asked for again, the passphrase typed next would be taken for the code.
        if active_form(tracker) or tracker.get_slot(STATUS_CODE):
            return {}
        return {STATUS_CODE: text_of(tracker)} if parse_code(text_of(tracker)) else {}

    def validate_status_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        key = runtime.case_store().lookup_key
        answer = answer_status_code(value, intent_of(tracker), lambda code: seal_code(code, key))
        return self.settled(
            dispatcher, tracker, STATUS_CODE, answer, lambda: Answer({STATUS_CODE: GAVE_UP})
        )

    def validate_status_passphrase(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return answered(dispatcher, answer_passphrase(value))


class ValidateInformationForm(FormValidationAction, AssistantAction):
    def name(self) -> str:
        return "validate_information_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        # After a check that opened no report there is nothing to add to: a "yes" to the
        # refusal ("vale, lo busco luego") asks for nothing (action_add_information).
        return domain_slots if tracker.get_slot(STATUS_FOLLOW_UP) else []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        turn = turn_of(tracker)
        if turn.is_payload and turn.intent == SHARE_FILE:
            # A file (or the button to delete files) is no text to add: its rule answers.
            return [SlotSet(STATUS_INFORMATION, None), ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    def validate_status_information(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return answered(dispatcher, answer_information(value))


class ActionCheckStatus(AssistantAction):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        code = tracker.get_slot(STATUS_CODE)
        passphrase = tracker.get_slot(STATUS_PASSPHRASE)
        if code == GAVE_UP:
            self.utter(dispatcher, "utter_status_code_gave_up")
            return slot_events(forget_receipt())
        reference = runtime.reference_for(tracker.sender_id)
        now = datetime.now(timezone.utc)
        # The message being answered is the passphrase: its words say nothing about the
        # reader's language, so only the conversation's language counts.
        language = reply_language(tracker.get_slot("language"), None)
        try:
            outcome = await runtime.case_store().check_status(code, passphrase, reference, now)
        except StorageUnavailable:
            self.utter(dispatcher, "utter_status_unavailable", language)
            return slot_events(forget_receipt())
        for reply in status_replies(outcome, phrases(language).lookup, now):
            self.utter(dispatcher, reply.response, language, **reply.variables)
        follow_up = outcome.follow_up if isinstance(outcome, StatusView) else None
        return slot_events(after_check(follow_up))


class ActionAddInformation(AssistantAction):
    def name(self) -> str:
        return "action_add_information"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        token = tracker.get_slot(STATUS_FOLLOW_UP)
        text = tracker.get_slot(STATUS_INFORMATION)
        events = slot_events(after_information(expired=False))
        if not token and not text:  # a yes after a refused check: nothing was asked
            self.utter(dispatcher, "utter_no_pressure")
            return events
        if not token or not text:
            self.utter(dispatcher, "utter_status_expired")
            return events
        reference = runtime.reference_for(tracker.sender_id)
        try:
            outcome = await runtime.case_store().add_information(token, text, reference)
        except StorageUnavailable:
            self.utter(dispatcher, "utter_status_unavailable")
            return events
        except InvalidReport as error:
            self.utter(dispatcher, problem_response(error))
            return events
        if isinstance(outcome, InformationAdded):
            self.utter(dispatcher, "utter_status_information_added")
            given = await runtime.evidence_desk().give_to_case(
                tracker.sender_id, outcome.case_id, outcome.anonymous
            )
            files_sent(self, dispatcher, given)
            return events
        self.utter(dispatcher, "utter_status_expired")
        return slot_events(after_information(expired=True))


class ActionCancelStatus(AssistantAction):
    def name(self) -> str:
        return "action_cancel_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_status_cancelled")
        return slot_events(status_check_cancelled())
