"""What each answer to the report form means: the slot values it sets, and what the reporter
is told (a problem by its reason, never with their words). Pure functions without I/O;
the validators in actions/report.py only move values between the tracker and these, the way
actions/advisor.py uses bot/advisor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional

from bot.cases.intake import (
    InvalidReport,
    append_description,
    contact_details,
    optional_text,
    parse_when,
)
from bot.cases.model import CONTACTS, KINDS, SPOKE_TO
from bot.directory.records import Directory
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
    REPORT_SPOKE_TO,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_WITNESSES,
    SEND,
    SKIPPED,
    Phrase,
    change_options,
    confirm_options,
    contact_options,
    is_done,
    kind_options,
    match_choice,
    slot_resets,
    spoke_to_options,
)

# "cancel" leaves a form only as a short message of its own: in a story or a passphrase the
# word (or a misread intent) is part of the answer, and the answer is kept.
MAX_CANCEL_WORDS = 4

EMERGENCY = "utter_emergency"


@dataclass(frozen=True)
class Answer:
    """What one answer does: the responses to say, in order, and the slot values to set."""

    slots: Mapping[str, Any]
    say: tuple[str, ...] = ()
    # The where question: words to look up as a post (the directory is the caller's I/O).
    post_words: Optional[str] = None


def problem_response(error: InvalidReport) -> str:
    """Tells what is wrong with an answer; the reason is a key, never the user's text."""
    reason = error.reason if error.reason != "unknown_choice" else "pick_one"
    return f"utter_report_problem_{reason}"


def _refused(slot: str, error: InvalidReport, say: tuple[str, ...] = ()) -> Answer:
    return Answer({slot: None}, say + (problem_response(error),))


def is_payload(value: Any) -> bool:
    """A button from an earlier question ('/report{...}'): no answer to this one."""
    return isinstance(value, str) and value.startswith("/")


def cancels(text: Optional[str], intent: Optional[str]) -> bool:
    return intent == "cancel" and len((text or "").split()) <= MAX_CANCEL_WORDS


def cancels_report(
    requested_slot: Optional[str], text: Optional[str], intent: Optional[str]
) -> bool:
    """Whether the form steps aside while asking for the story, so that the rule for cancel
    (data/rules/report.yml) answers."""
    return requested_slot == REPORT_WHAT_HAPPENED and cancels(text, intent)


# --- choices --------------------------------------------------------------------------------


def _choice(
    slot: str, value: Any, allowed: tuple[str, ...], options: Mapping[str, list[str]]
) -> Answer:
    """A button's value as it is; typed words matched with the labels in the user's language."""
    if value in allowed:
        return Answer({slot: value})
    chosen = match_choice(value, options)
    if chosen is None:
        return _refused(slot, InvalidReport("choice", "unknown_choice"))
    return Answer({slot: chosen})


def answer_kind(value: Any, phrase: Phrase) -> Answer:
    return _choice(REPORT_KIND, value, KINDS, kind_options(phrase))


def answer_spoke_to(value: Any, phrase: Phrase) -> Answer:
    return _choice(REPORT_SPOKE_TO, value, SPOKE_TO + (SKIPPED,), spoke_to_options(phrase))


def answer_contact(value: Any, phrase: Phrase) -> Answer:
    """The way back to the reporter; details given for an earlier choice no longer count."""
    answer = _choice(REPORT_CONTACT, value, CONTACTS, contact_options(phrase))
    return Answer({**answer.slots, REPORT_CONTACT_DETAILS: None}, answer.say)


# --- the story ------------------------------------------------------------------------------


def answer_what_happened(
    value: Any, description: Optional[str], intent: Optional[str], phrase: Phrase
) -> Answer:
    """The story grows in REPORT_DESCRIPTION over several messages; the question is asked
    again ('anything to add?') until the reporter says they have finished."""
    finished = intent == "skip" or is_done(value, phrase)
    if description and finished:
        return Answer({REPORT_WHAT_HAPPENED: DONE})
    if finished or is_payload(value):
        return Answer({REPORT_WHAT_HAPPENED: None})  # a button, not part of the story
    # Safety first; the words stay in the story.
    say = (EMERGENCY,) if intent == "emergency" else ()
    try:
        combined = append_description(description, value)
    except InvalidReport as error:
        return _refused(REPORT_WHAT_HAPPENED, error, say)
    return Answer({REPORT_WHAT_HAPPENED: None, REPORT_DESCRIPTION: combined}, say)


# --- optional questions ---------------------------------------------------------------------


def answer_when(value: Any, today: date, language: str) -> Answer:
    """The reporter's words are kept; they only have to name a time that can be."""
    if value == SKIPPED:
        return Answer({REPORT_WHEN: value})
    if is_payload(value):
        return Answer({REPORT_WHEN: None})
    try:
        when = parse_when(value, today, language)
    except InvalidReport as error:
        return _refused(REPORT_WHEN, error)
    return Answer({REPORT_WHEN: when.words})


def answer_where(value: Any) -> Answer:
    """The words are kept; `post_words` asks the caller to look the post up (place_post)."""
    resets = slot_resets((REPORT_POST_CODE, REPORT_POST_COUNTRY))
    if value == SKIPPED:
        return Answer({REPORT_WHERE: value, **resets})
    if is_payload(value):
        return Answer({REPORT_WHERE: None})
    try:
        words = optional_text(value, "where")
    except InvalidReport as error:
        return _refused(REPORT_WHERE, error)
    if words is None:
        return Answer({REPORT_WHERE: None})
    return Answer({REPORT_WHERE: words, **resets}, post_words=words)


def place_post(words: str, directory: Optional[Directory]) -> Answer:
    """The post the words name when exactly one fits. The words are kept either way, also
    without a directory: the post is a help."""
    resets = slot_resets((REPORT_POST_CODE, REPORT_POST_COUNTRY))
    if directory is None:
        return Answer({REPORT_WHERE: words, **resets})
    resolution = resolve_post(words, directory)
    if len(resolution.candidates) == 1:
        post = resolution.candidates[0].post
        return Answer(
            {REPORT_WHERE: words, REPORT_POST_CODE: post.code, REPORT_POST_COUNTRY: post.country}
        )
    say = ("utter_report_unknown_post",) if resolution.problem == UNKNOWN else ()
    return Answer({REPORT_WHERE: words, **resets}, say)


def _optional(slot: str, field: str, value: Any) -> Answer:
    if value == SKIPPED:
        return Answer({slot: value})
    if is_payload(value):
        return Answer({slot: None})
    try:
        return Answer({slot: optional_text(value, field)})
    except InvalidReport as error:
        return _refused(slot, error)


def answer_involved(value: Any) -> Answer:
    return _optional(REPORT_INVOLVED, "involved", value)


def answer_witnesses(value: Any) -> Answer:
    return _optional(REPORT_WITNESSES, "witnesses", value)


def answer_contact_details(value: Any, contact: Optional[str], region: Optional[str]) -> Answer:
    """An address or number for e-mail and phone; a local number is read with `region`
    (the post's country)."""
    if contact not in CONTACTS_WITH_DETAILS or is_payload(value):
        return Answer({REPORT_CONTACT_DETAILS: None})
    try:
        return Answer({REPORT_CONTACT_DETAILS: contact_details(contact, value, region)})
    except InvalidReport as error:
        return _refused(REPORT_CONTACT_DETAILS, error)


# --- the summary ----------------------------------------------------------------------------


def answer_confirm(value: Any, changing: bool, phrase: Phrase) -> Answer:
    """Send, change (then: which part), or the part to change. Only that part is asked
    again; then the summary comes back."""
    if value not in (SEND, CHANGE) and not str(value).startswith("change_"):
        options = change_options(phrase) if changing else confirm_options(phrase)
        value = match_choice(value, options)
    if value == SEND:
        return Answer({REPORT_CONFIRM: SEND, REPORT_CHANGING: None})
    if value == CHANGE:
        return Answer({REPORT_CONFIRM: None, REPORT_CHANGING: True})
    part = str(value).removeprefix("change_")
    if value and part in CHANGEABLE:
        return Answer(
            {**slot_resets(CHANGEABLE[part]), REPORT_CONFIRM: None, REPORT_CHANGING: None}
        )
    return _refused(REPORT_CONFIRM, InvalidReport("confirm", "unknown_choice"))
