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

from actions.base import AssistantAction
from actions.report import AskForSlot, cancels, intent_of, phrases, problem
from bot import runtime
from bot.cases.intake import MAX_DESCRIPTION_CHARS, InvalidReport, clean_text
from bot.cases.model import StorageUnavailable
from bot.cases.receipts import parse_code
from bot.cases.views import InformationAdded, StatusView
from bot.language.detection import reply_language
from bot.report.status import (
    STATUS_CODE,
    STATUS_FOLLOW_UP,
    STATUS_INFORMATION,
    STATUS_PASSPHRASE,
    STATUS_SLOTS,
    status_replies,
)

Slots = Dict[str, Any]


def _forget_receipt() -> List[Dict[str, Any]]:
    return [SlotSet(name, None) for name in STATUS_SLOTS]


class AskStatusCode(AskForSlot):
    slot = STATUS_CODE


class AskStatusPassphrase(AskForSlot):
    slot = STATUS_PASSPHRASE


class AskStatusInformation(AskForSlot):
    slot = STATUS_INFORMATION


class ValidateStatusForm(FormValidationAction, AssistantAction):
    def name(self) -> str:
        return "validate_status_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        # Any passphrase is tried (none is refused for the intent its words suggest); a short
        # "cancel" steps aside for the rule that stops the check.
        if tracker.get_slot("requested_slot") == STATUS_PASSPHRASE and cancels(tracker):
            return [ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    def validate_status_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        code = parse_code(value) if isinstance(value, str) else None
        if code is None:
            if intent_of(tracker) == "emergency":  # safety first, whatever was asked
                self.utter(dispatcher, "utter_emergency")
            self.utter(dispatcher, "utter_status_code_unreadable")
        return {STATUS_CODE: code}

    def validate_status_passphrase(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if not isinstance(value, str) or not value.strip():
            return {STATUS_PASSPHRASE: None}
        return {STATUS_PASSPHRASE: value}


class ValidateInformationForm(FormValidationAction, AssistantAction):
    def name(self) -> str:
        return "validate_information_form"

    def validate_status_information(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        try:
            return {
                STATUS_INFORMATION: clean_text(value, "information", MAX_DESCRIPTION_CHARS)
            }
        except InvalidReport as error:
            problem(dispatcher, error)
            return {STATUS_INFORMATION: None}


class ActionCheckStatus(AssistantAction):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        code = tracker.get_slot(STATUS_CODE)
        passphrase = tracker.get_slot(STATUS_PASSPHRASE)
        reference = runtime.reference_for(tracker.sender_id)
        now = datetime.now(timezone.utc)
        # The message being answered is the passphrase: its words say nothing about the
        # reader's language, so only the conversation's language counts.
        language = reply_language(tracker.get_slot("language"), None)
        try:
            outcome = await runtime.case_store().check_status(code, passphrase, reference, now)
        except StorageUnavailable:
            self.utter(dispatcher, "utter_status_unavailable", language)
            return _forget_receipt()
        for reply in status_replies(outcome, phrases(language), now):
            self.utter(dispatcher, reply.response, language, **reply.variables)
        follow_up = outcome.follow_up if isinstance(outcome, StatusView) else None
        return _forget_receipt() + [SlotSet(STATUS_FOLLOW_UP, follow_up)]


class ActionAddInformation(AssistantAction):
    def name(self) -> str:
        return "action_add_information"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        token = tracker.get_slot(STATUS_FOLLOW_UP)
        text = tracker.get_slot(STATUS_INFORMATION)
        events: List[Dict[str, Any]] = [SlotSet(STATUS_INFORMATION, None)]
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
            problem(dispatcher, error)
            return events
        if isinstance(outcome, InformationAdded):
            self.utter(dispatcher, "utter_status_information_added")
            return events
        self.utter(dispatcher, "utter_status_expired")
        return events + [SlotSet(STATUS_FOLLOW_UP, None)]


class ActionCancelStatus(AssistantAction):
    def name(self) -> str:
        return "action_cancel_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_status_cancelled")
        return _forget_receipt() + [SlotSet(STATUS_INFORMATION, None)]
