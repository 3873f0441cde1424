"""Files the user sends (the channels hold them for the conversation and pass on
`/share_file{"file_id": ...}`), and words about files ("I have a screenshot"). Where a file
goes and what is said about it is decided in bot/evidence/dialogue.py."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import AssistantAction, active_form, phrases, slot_events
from bot import runtime
from bot.evidence.dialogue import (
    DISCARD,
    FORM_USES,
    HELD,
    KEEP,
    KEEP_ORIGINAL,
    OFFERED,
    ORIGINALS,
    REMOVE,
    TO_HANDOFF,
    VOICE_AS_STORY,
    file_choice_of,
    file_id_of,
    file_variables,
    offers_original,
    received_response,
    voice_story,
)
from bot.evidence.store import Given
from bot.report.form import REPORT_CONTACT, REPORT_DESCRIPTION
from bot.settings import settings


class ActionShareFile(AssistantAction):
    """A file arrived (or the user spoke of one, or chose to delete the files): it goes
    with the report or the added information being written, to the advisor of an open
    handoff, or it stays held while the user chooses."""

    def name(self) -> str:
        return "action_share_file"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        entities = (tracker.latest_message or {}).get("entities") or []
        desk = runtime.evidence_desk()
        choice = file_choice_of(entities)
        if choice == DISCARD:
            await desk.discard(tracker.sender_id)
            self.utter(dispatcher, "utter_files_discarded")
            return []
        if choice is not None:  # originals kept from now on, or details taken out again
            keep = choice == KEEP_ORIGINAL
            self.utter(
                dispatcher,
                "utter_files_kept_original" if keep else "utter_files_details_removed_again",
            )
            return slot_events({ORIGINALS: KEEP if keep else REMOVE})
        file_id = file_id_of(entities)
        if file_id is None:  # "I have a screenshot": how to send it
            form = active_form(tracker)
            response = "utter_file_send_now" if form in FORM_USES else "utter_file_how_to_send"
            self.utter(dispatcher, response, max_mb=settings().evidence_max_file_mb)
            return []
        file = next(
            (held for held in await desk.held(tracker.sender_id) if held.id == file_id), None
        )
        if file is None:  # another conversation's id, or deleted meanwhile
            self.utter(dispatcher, "utter_file_gone")
            return []
        use = FORM_USES.get(active_form(tracker) or "", HELD)
        if use == HELD:
            reference = runtime.reference_for(tracker.sender_id)
            handoff_id = await runtime.handoff_store().open_handoff(reference)
            if handoff_id is not None:
                await desk.give_to_handoff(tracker.sender_id, handoff_id)
                use = TO_HANDOFF
        phrase = phrases(self.language(tracker)).lookup
        story = voice_story(file, use, tracker.get_slot("requested_slot"),
                            tracker.get_slot(REPORT_DESCRIPTION), phrase)  # fmt: skip
        response = received_response(file, use) if story is None else VOICE_AS_STORY
        originals = tracker.get_slot(ORIGINALS)
        self.utter(dispatcher, response, **file_variables(file, phrase, response, originals))
        slots = dict(story or {})
        if offers_original(file, originals, tracker.get_slot(REPORT_CONTACT)):
            self.utter(dispatcher, "utter_file_offer_original")
            slots[ORIGINALS] = OFFERED
        return slot_events(slots)


def files_sent(action: AssistantAction, dispatcher: CollectingDispatcher, given: Given) -> None:
    """Tells the reporter their files went with the case, and when originals were cleaned."""
    if given.moved:
        action.utter(dispatcher, "utter_report_files_sent")
    if given.cleaned:
        action.utter(dispatcher, "utter_report_files_cleaned")
