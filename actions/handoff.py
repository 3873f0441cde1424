"""Handing this conversation to a confidential advisor, only with explicit consent; the
user is told "done" only after the handoff is stored (bot.handoffs.store)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    AssistantAction,
    FormThatStepsAside,
    attempt_of,
    choice_of,
    phrases,
    text_of,
    turn_of,
)
from bot import runtime
from bot.advisor.matches import HandoffTarget, handoff_target, handoff_when
from bot.advisor.questions import PHONE_CHANNELS, chosen_post, language_name, post_label
from bot.directory.matching import pool_for
from bot.directory.phones import phone_from_sender
from bot.forms.answer import Answer
from bot.forms.choices import match_choice
from bot.forms.interruptions import QUESTION_INTENTS, Expects, clear_yes_no
from bot.handoffs.spool import handoff_id_or_none
from bot.handoffs.store import (
    HandoffStoreUnavailable,
    reply_address_text,
)
from bot.handoffs.transcript import transcript_from_events
from bot.security.redaction import PHONE, SECRET_MARK

CONSENT_SLOTS = ("handoff_consent", "handoff_phone_consent")
HANDOFF_STARTS = "action_start_handoff"
# The id of a handoff derived from its attempt (`attempt_of`): a UUID, as a spool file needs.
_ATTEMPTS = uuid.UUID("6b1d4f0e-3c2a-4f4e-9a51-0d8f2b7c6e13")


def _handoff_id(tracker: Tracker) -> Optional[str]:
    """The id of a handoff being retried; only a genuine handoff id (a UUID) counts: a slot
    can be set by whoever talks to the assistant, and the id names a spool file."""
    return handoff_id_or_none(tracker.get_slot("handoff_id"))


def _attempt_id(tracker: Tracker) -> Optional[str]:
    """The id of this handoff whatever the try: when the turn that stored it failed after
    all (its answer or the conversation's save lost), the consent given again stores the
    same handoff, once."""
    attempt = attempt_of(tracker.sender_id, tracker.events, HANDOFF_STARTS)
    return str(uuid.uuid5(_ATTEMPTS, attempt)) if attempt else None


def _pending_retry(tracker: Tracker) -> bool:
    """A handoff the user agreed to that could not be stored: try it again, same id."""
    return _handoff_id(tracker) is not None and tracker.get_slot("handoff_consent") is True


def _address(tracker: Tracker) -> Optional[tuple[str, str]]:
    """(channel, address) of this message: from its metadata, and only when they belong to
    this conversation (the sender id is a pseudonym of them, bot.runtime.verified_address)."""
    metadata = (tracker.latest_message or {}).get("metadata")
    return runtime.verified_address(tracker.sender_id, metadata)


def _phone(tracker: Tracker) -> Optional[str]:
    """The user's number (E.164), on SMS and WhatsApp only."""
    address = _address(tracker)
    if address is None or address[0] not in PHONE_CHANNELS:
        return None
    return phone_from_sender(address[1])


def _pool_language(tracker: Tracker) -> str:
    return tracker.get_slot("advisor_language") or AssistantAction.language(tracker)


async def _target(tracker: Tracker) -> HandoffTarget:
    directory = await runtime.directory_service().current()
    return handoff_target(
        directory,
        tracker.get_slot("handoff_target"),
        chosen_post(tracker.get_slot("advisor_post")),
        _pool_language(tracker),
        pool_for,
    )


def _channel(tracker: Tracker) -> str:
    channel = tracker.get_latest_input_channel() or "unknown"
    return channel[:32]


class ActionStartHandoff(AssistantAction):
    """Who the handoff goes to: the advisor on the button, else the pool."""

    def name(self) -> str:
        return HANDOFF_STARTS

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if _pending_retry(tracker):
            return []  # the consent already given stands; the form goes straight on
        chosen = choice_of(tracker) or tracker.get_slot("handoff_target")
        events = [SlotSet(slot, None) for slot in CONSENT_SLOTS]
        return [*events, SlotSet("handoff_id", None), SlotSet("handoff_target", chosen)]


class ValidateHandoffForm(FormThatStepsAside):
    # The questions the rules answer while consent is asked (data/rules/handoff.yml).
    answerable = QUESTION_INTENTS - {"delete_data", "change_language", "human_handoff"} | {
        "cancel",
        "emergency",
        "self_harm",
        "find_advisor",
        "nlu_fallback",
    }

    def name(self) -> str:
        return "validate_handoff_form"

    def expects(self, requested_slot: str) -> Expects:
        return Expects.CHOICE

    def selects_choice(self, requested_slot: str, tracker: Tracker) -> bool:
        return self._yes_no(tracker, text_of(tracker)) is not None

    def _yes_no(self, tracker: Tracker, value: Any) -> Optional[bool]:
        turn = turn_of(tracker)
        if isinstance(value, bool) and turn.is_payload:
            return value  # a button
        words = phrases(self.language(tracker)).lookup
        options = {key: (words(f"{key}_words") or "").split(",") for key in ("yes", "no")}
        chosen = match_choice(turn.text if isinstance(value, bool) else value, options)
        if chosen is not None:
            return chosen == "yes"
        # Typed words that are no yes-word: the model's yes or no counts only when it is
        # sure of a short answer ("مصر", a country, was read as yes and shared the chat).
        return value if isinstance(value, bool) and clear_yes_no(turn) else None

    def _consent(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[str, Any]:
        """Only a clear yes shares anything: an unclear answer is asked once more, then
        taken as no, and said so."""
        consent = self._yes_no(tracker, value)
        answer = Answer({slot: consent}, refused=consent is None)
        return self.settled(dispatcher, tracker, slot, answer, lambda: Answer({slot: False}))

    def validate_handoff_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        return self._consent("handoff_consent", value, dispatcher, tracker)

    def validate_handoff_phone_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        return self._consent("handoff_phone_consent", value, dispatcher, tracker)

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict,
    ) -> List[str]:
        # The phone number is asked about only when there is one and the handoff is agreed.
        if tracker.get_slot("handoff_consent") is False or not _phone(tracker):
            return [slot for slot in domain_slots if slot != "handoff_phone_consent"]
        return domain_slots


class ActionAskHandoffConsent(AssistantAction):
    def name(self) -> str:
        return "action_ask_handoff_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        directory = await runtime.directory_service().current()
        language = self.language(tracker)
        target = await _target(tracker)
        words = phrases(language)
        if target.advisor is not None:
            who = target.advisor.name
        else:
            post = directory.post(target.post_code)
            who = words(
                "handoff_pool_at_post" if post else "handoff_pool_at_hq",
                post=post_label(post, language, words("post_hq")) if post else "",
                language=language_name(target.language, words.lookup),
            )
        self.utter(dispatcher, "utter_handoff_consent_question", target=who)
        return []


class ActionAskHandoffPhoneConsent(AssistantAction):
    def name(self) -> str:
        return "action_ask_handoff_phone_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        phone = _phone(tracker) or ""
        # Marked: stored and handed over as a placeholder, so the number reaches neither the
        # conversation store nor the advisor unless the user agrees (bot/security/redaction).
        self.utter(dispatcher, "utter_handoff_phone_question", phone=phone, **{SECRET_MARK: PHONE})
        return []


class ActionCancelHandoff(AssistantAction):
    def name(self) -> str:
        return "action_cancel_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_handoff_declined")
        return [SlotSet(slot, None) for slot in (*CONSENT_SLOTS, "handoff_id")]


class ActionCreateHandoff(AssistantAction):
    """Stores the handoff the user agreed to, then says so; nothing when they declined."""

    def name(self) -> str:
        return "action_create_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in (*CONSENT_SLOTS, "handoff_id")]
        if tracker.get_slot("handoff_consent") is not True:
            self.utter(dispatcher, "utter_handoff_declined")
            return reset
        target = await _target(tracker)
        phone: Optional[str] = None
        if tracker.get_slot("handoff_phone_consent") is True:
            phone = _phone(tracker)
        # Where an advisor's answer goes; kept (encrypted) with the handoff and nowhere else.
        address = _address(tracker)
        reply_address = reply_address_text(*address) if address is not None else None
        reference = runtime.reference_for(tracker.sender_id)
        try:
            record = await runtime.handoff_store().create(
                transcript=transcript_from_events(tracker.events),
                language=self.language(tracker),
                channel=_channel(tracker),
                conversation_ref=reference,
                post_code=target.post_code,
                advisor_id=target.advisor_id,
                pool_language=None if target.advisor_id else target.language,
                phone=phone,
                handoff_id=_handoff_id(tracker) or _attempt_id(tracker),
                reply_address=reply_address,
                conversation_id=tracker.sender_id,
            )
        except HandoffStoreUnavailable as unavailable:
            if unavailable.kept:
                self.utter(dispatcher, "utter_handoff_kept", reference=reference)
                return reset
            self.utter(dispatcher, "utter_handoff_failed")
            # Keep the consent and the id: "try again" stores this same handoff once.
            return [SlotSet("handoff_id", unavailable.handoff_id)]
        when = handoff_when(
            target.reachable, phrases(self.language(tracker)), datetime.now(timezone.utc)
        )
        self.utter(dispatcher, "utter_handoff_done", reference=reference, when=when)
        # Files the user sent in this conversation go with it (a spooled handoff takes
        # them once it is stored: bot.runtime.handoff_store).
        if await runtime.evidence_desk().give_to_handoff(tracker.sender_id, record.id):
            self.utter(dispatcher, "utter_files_given_to_advisor")
        return reset
