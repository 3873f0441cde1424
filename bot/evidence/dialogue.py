"""What the dialogue says about files, without I/O: which response answers a file, how a
file is named to its sender ("photo, 230 KB") and what the report's summary lists. Words
come from the content store's phrases (`phrase(name)`), so nothing here is worded in any
language. actions/evidence.py calls these with the evidence desk's answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Mapping, Optional

from bot.evidence.refusals import Refusal
from bot.evidence.store import Evidence
from bot.report.form import DONE, REPORT_DESCRIPTION, REPORT_WHAT_HAPPENED
from bot.security.redaction import FILE_ID_ENTITY, FILE_MESSAGE, names_a_file

Phrase = Callable[[str], Optional[str]]

SHARE_FILE = "share_file"
FILE_ID = FILE_ID_ENTITY
# A button's choice about the conversation's files: delete those held, keep the files sent
# from now on as they are (only a user not reporting anonymously), or take details out again.
FILE_CHOICE = "file_choice"
DISCARD, KEEP_ORIGINAL, REMOVE_DETAILS = "discard", "keep_original", "remove_details"
# The slot that keeps what the user chose about originals: None until offered, then
# OFFERED, KEEP or REMOVE (the channels read it before they hand a file to the desk).
ORIGINALS = "file_originals"
OFFERED, KEEP, REMOVE = "offered", "keep", "remove"

# Where a file goes, by what the conversation is doing when it arrives.
TO_REPORT, TO_HANDOFF, TO_CASE, HELD = "report", "handoff", "case", "held"
# The forms a file can arrive in, and what the file is for there.
FORM_USES: Mapping[str, str] = {"report_form": TO_REPORT, "information_form": TO_CASE}


def share_file_payload(file_id: str) -> str:
    """What the dialogue gets for a file a channel took; made only by a channel."""
    return f"{FILE_MESSAGE}{json.dumps({FILE_ID: file_id})}"


def is_file_payload(text: str) -> bool:
    """Whether a message's text is a file a channel passed on, as sent or as stored without
    its id (shown to people as a file, never as this text); a button's choice about files
    is not."""
    return names_a_file(text) or text.strip() == FILE_MESSAGE


def refusal_text(refusal: Refusal) -> str:
    """The channel text (data/content/<language>/channels.yml) that says why a file was
    not taken."""
    return f"evidence_refused_{refusal.value}"


def file_id_of(entities: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The file a channel passed on (`/share_file{"file_id": ...}`); None for typed words
    about a file ("I have a screenshot")."""
    for entity in entities:
        value = entity.get("value")
        if entity.get("entity") == FILE_ID and isinstance(value, str) and value:
            return value
    return None


def file_choice_of(entities: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The button's choice (DISCARD, KEEP_ORIGINAL, REMOVE_DETAILS), or None."""
    for entity in entities:
        value = entity.get("entity") == FILE_CHOICE and entity.get("value")
        if value in (DISCARD, KEEP_ORIGINAL, REMOVE_DETAILS):
            return str(value)
    return None


def file_choice_in(payload: str) -> Optional[str]:
    """The choice about originals a button's payload makes (KEEP_ORIGINAL, REMOVE_DETAILS),
    or None: deleting files is never read from typed words."""
    if not payload.startswith(f"/{SHARE_FILE}{{"):
        return None
    try:
        entities = json.loads(payload[len(SHARE_FILE) + 1 :])
    except ValueError:
        return None
    if not isinstance(entities, dict):
        return None
    choice = file_choice_of([{"entity": name, "value": v} for name, v in entities.items()])
    return None if choice == DISCARD else choice


def open_choice(originals: Optional[str]) -> Optional[str]:
    """The choice about originals the user can make now: keep them once offered (or again
    after taking it back), take details out again once kept."""
    if originals in (OFFERED, REMOVE):
        return KEEP_ORIGINAL
    return REMOVE_DETAILS if originals == KEEP else None


def offers_original(file: Evidence, originals: Optional[str], contact: Optional[str]) -> bool:
    """Whether to offer, after this file, to keep the next ones as sent: details were taken
    out of it, nothing about originals was offered or chosen yet, and the report being
    written is not anonymous (an anonymous report's files are cleaned whatever was chosen)."""
    return bool(file.removed) and originals is None and contact != "anonymous"


def size_text(size: int) -> str:
    """230 KB, 1.4 MB: units every supported language writes the same way."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def file_label(file: Evidence, phrase: Phrase) -> str:
    """'photo, 230 KB' in the conversation language."""
    kind = phrase(f"file_kind_{file.kind}") or file.kind
    return f"{kind}, {size_text(file.size)}"


def privacy_phrase(file: Evidence, originals: Optional[str] = None) -> str:
    """What the sender is told about the hidden details of the file as stored: taken out,
    there were none, kept as the user chose, or they could not be taken out (then they may
    still be in it)."""
    if not file.scrubbed:
        return "file_privacy_original" if originals == KEEP else "file_privacy_kept"
    return "file_privacy_removed" if file.removed else "file_privacy_nothing"


def files_listed(files: Sequence[Evidence], phrase: Phrase) -> str:
    """The summary's line of files: 'photo, 230 KB; voice note, 1.1 MB', or 'none'."""
    if not files:
        return phrase("report_files_none") or "-"
    return "; ".join(file_label(file, phrase) for file in files)


def received_response(file: Evidence, use: str) -> str:
    """The response that answers a file, by where it went."""
    if use == TO_REPORT:
        return "utter_file_added_to_report"
    if use == TO_CASE:
        return "utter_file_added_to_information"
    if use == TO_HANDOFF:
        return "utter_file_given_to_advisor"
    return "utter_file_received_voice" if file.kind == "audio" else "utter_file_received"


def voice_story(
    file: Evidence,
    use: str,
    requested_slot: Optional[str],
    description: Optional[str],
    phrase: Phrase,
) -> Optional[dict[str, str]]:
    """The report's answers when a voice note is the account of what happened: sent at the
    story question before anything was written (oral reporting, EU directive 2019/1937
    art. 9). None when the note goes beside the story."""
    if file.kind != "audio" or use != TO_REPORT or description:
        return None
    if requested_slot != REPORT_WHAT_HAPPENED:
        return None
    told = phrase("report_story_in_voice_note") or "(voice note)"
    return {REPORT_DESCRIPTION: told, REPORT_WHAT_HAPPENED: DONE}


# Responses that name the kind themselves ("your voice note (1 KB)"): the file is its size.
VOICE_AS_STORY = "utter_file_voice_as_story"
NAMES_ITS_KIND = frozenset({"utter_file_received_voice", VOICE_AS_STORY})


def file_variables(
    file: Evidence, phrase: Phrase, response: str = "", originals: Optional[str] = None
) -> dict[str, str]:
    label = size_text(file.size) if response in NAMES_ITS_KIND else file_label(file, phrase)
    return {"file": label, "privacy": phrase(privacy_phrase(file, originals)) or ""}
