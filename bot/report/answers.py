"""What each answer to the report form means: the slot values it sets, and what the reporter
is told (a problem by its reason, never with their words). Pure functions without I/O;
the validators in actions/report_form.py only move values between the tracker and these, the way
actions/advisor.py uses bot/advisor.

Typed answers are answers: a choice is selected by its words, its number, a synonym or a
phrase containing one; what selects none is mapped to the closest choice or kept as
"something else" with the words, and said back. When an answer cannot be taken twice, the
form moves on (`move_on`, in bot/report/summary.py with the summary's answer) instead
of asking a third time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Callable, Mapping, Optional

from bot.cases.intake import (
    InvalidReport,
    append_description,
    contact_details,
    email_in,
    optional_text,
    parse_when,
)
from bot.cases.model import CONTACTS, KINDS, SPOKE_TO
from bot.directory.records import Directory
from bot.directory.resolution import UNKNOWN, resolve_post
from bot.forms.answer import Answer
from bot.forms.choices import (
    Options,
    closest_choice,
    match_choice,
    named_choices,
    plain,
    whole_choice,
)
from bot.forms.interruptions import Turn, skips
from bot.report.form import (
    ANONYMITY_CAVEAT,
    CONTACTS_WITH_DETAILS,
    DECLINED,
    DONE,
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
    contact_options,
    is_done,
    kind_options,
    slot_resets,
    spoke_to_options,
    start_options,
    words_of,
)

__all__ = ["Answer"]  # the validators' currency, also for bot/report/status.py

EMERGENCY = "utter_emergency"
# From this many words an answer to "what is it about?" also tells what happened, and the
# words are kept as the start of the story ("fraud with expense claims at the embassy").
MIN_STORY_WORDS = 3
# "no, I haven't talked to anyone yet": a no in a sentence still answers a question about
# whom they spoke to.
MAX_DENY_WORDS = 8
# Kinds that name none: their words inside a story say nothing of what happened.
VAGUE_KINDS = frozenset({"other", "unsure"})
# A yes or a no of a few words: an answer to a yes/no question, never a choice or a story.
MAX_YES_NO_WORDS = 3

Classify = Callable[[str], Optional[str]]


def problem_response(error: InvalidReport) -> str:
    """Tells what is wrong with an answer; the reason is a key, never the user's text."""
    reason = error.reason if error.reason != "unknown_choice" else "pick_one"
    return f"utter_report_problem_{reason}"


def refused(slot: str, error: InvalidReport, say: tuple[str, ...] = ()) -> Answer:
    return Answer({slot: None}, say + (problem_response(error),), refused=True)


def is_payload(value: Any) -> bool:
    """A button from an earlier question ('/report{...}'): no answer to this one."""
    return isinstance(value, str) and value.startswith("/")


def yes_or_no(turn: Turn) -> Optional[bool]:
    """True for a short yes, False for a short no, None for anything else."""
    if turn.words > MAX_YES_NO_WORDS and not turn.is_payload:
        return None
    return {"affirm": True, "deny": False}.get(turn.intent or "")


def _begins_with_no(text: str, phrase: Phrase) -> bool:
    """ "la2 ma kalemtesh 7ad", "nee, met niemand": a no-word of the language first."""
    typed = f"{plain(text)} "
    return any(typed.startswith(f"{plain(word)} ") for word in words_of(phrase, "no_words"))


def _understood(slot: str, key: str, phrase: Phrase, extra: Mapping[str, Any] = {}) -> Answer:
    """A choice taken from words that did not name it exactly, said back by its label."""
    label = (phrase(f"{slot}_{key}") or key).split(",")[0].strip()
    return Answer({slot: key, **extra}, ("utter_report_understood",), variables={"choice": label})


# --- the start and the kind -----------------------------------------------------------------


def answer_start(
    turn: Turn, description: Optional[str], phrase: Phrase, classify: Classify
) -> Answer:
    """Shall we start? A yes starts; a no ends the form with nothing kept. Typing what it is
    about ("fraud with expense claims") instead of yes starts as well, and those words are
    the first answer."""
    said = None if turn.is_payload else match_choice(turn.text, start_options(phrase))
    if said == STARTED:
        return Answer({REPORT_START: STARTED})
    if said == DECLINED:
        return Answer({REPORT_START: DECLINED}, ("utter_no_pressure",))
    yes_no = yes_or_no(turn)
    if yes_no is True:
        return Answer({REPORT_START: STARTED})
    if yes_no is False or turn.intent == "cancel":
        return Answer({REPORT_START: DECLINED}, ("utter_no_pressure",))
    if turn.is_payload:
        return Answer({REPORT_START: None})
    kind = answer_kind(turn, description, phrase, classify)
    return Answer({REPORT_START: STARTED, **kind.slots}, kind.say, variables=kind.variables)


def answer_kind(
    turn: Turn, description: Optional[str], phrase: Phrase, classify: Classify
) -> Answer:
    """A button, the words of a choice, or a story: then its kind is proposed (or it is
    "something else") and the words become the start of what happened."""
    value = turn.text
    if value in KINDS:
        return Answer({REPORT_KIND: value})
    if skips(turn):
        return Answer({REPORT_KIND: "unsure"})
    if turn.is_payload:
        return Answer({REPORT_KIND: None})
    options = kind_options(phrase)
    chosen = whole_choice(value, options) or match_choice(
        value, options, fuzzy=turn.words < MIN_STORY_WORDS
    )
    if chosen and (turn.words < MIN_STORY_WORDS or whole_choice(value, options) == chosen):
        return Answer({REPORT_KIND: chosen})
    if not chosen and yes_or_no(turn) is not None:
        return refused(REPORT_KIND, InvalidReport("kind", "unknown_choice"))
    try:
        story = {REPORT_DESCRIPTION: append_description(description, value)}
    except InvalidReport as error:
        return refused(REPORT_KIND, error)
    # The nearest label only for a few words: in a story, any word can look like one.
    near = closest_choice(value, options) if turn.words < MIN_STORY_WORDS else None
    # Inside a story, words of "something else" or "not sure" ("I don't know why he...")
    # name no kind; the behaviour does. A story told before the report started counts too.
    named = chosen if chosen not in VAGUE_KINDS else None
    whole_story = classify(story[REPORT_DESCRIPTION]) if description else None
    kind = named or classify(value) or whole_story or near
    if kind:
        return _understood("report_kind", kind, phrase, story)
    return Answer({REPORT_KIND: "other", **story}, ("utter_report_kind_kept_as_other",))


# --- the story ------------------------------------------------------------------------------


def answer_what_happened(turn: Turn, description: Optional[str], phrase: Phrase) -> Answer:
    """The story grows in REPORT_DESCRIPTION over several messages; the question is asked
    again ('anything to add?') until the reporter says they have finished."""
    value = turn.text
    yes_no = yes_or_no(turn)
    finished = skips(turn) or is_done(value, phrase) or yes_no is False
    if description and finished:
        return Answer({REPORT_WHAT_HAPPENED: DONE})
    if turn.is_payload:
        return Answer({REPORT_WHAT_HAPPENED: None})  # a button, not part of the story
    if finished or (description and yes_no is True):
        # "yes" to "anything to add?" or nothing at all yet: asked once more, then on.
        again = "utter_report_go_on" if description else "utter_report_problem_empty"
        return Answer({REPORT_WHAT_HAPPENED: None}, (again,), refused=True)
    # Safety first; the words stay in the story.
    say: tuple[str, ...] = (EMERGENCY,) if turn.intent == "emergency" else ()
    try:
        combined = append_description(description, value)
    except InvalidReport as error:
        return refused(REPORT_WHAT_HAPPENED, error, say)
    return Answer({REPORT_WHAT_HAPPENED: None, REPORT_DESCRIPTION: combined}, say)


# --- optional questions ---------------------------------------------------------------------


def asked_again(slot: str) -> Answer:
    """A bare yes to "when?" or "where?" answers neither: the question again, and after a
    second such answer the form moves on (bot/forms/tries)."""
    return Answer({slot: None}, refused=True)


def answer_when(value: Any, today: date, language: str) -> Answer:
    """The reporter's words are kept; they only have to name a time that can be."""
    if value == SKIPPED:
        return Answer({REPORT_WHEN: value})
    if is_payload(value):
        return Answer({REPORT_WHEN: None})
    try:
        when = parse_when(value, today, language)
    except InvalidReport as error:
        return refused(REPORT_WHEN, error)
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
        return refused(REPORT_WHERE, error)
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
        return refused(slot, error)


def answer_involved(value: Any) -> Answer:
    return _optional(REPORT_INVOLVED, "involved", value)


def answer_witnesses(value: Any) -> Answer:
    return _optional(REPORT_WITNESSES, "witnesses", value)


# --- choices --------------------------------------------------------------------------------


def answer_spoke_to(turn: Turn, phrase: Phrase) -> Answer:
    value = turn.text
    if value in SPOKE_TO + (SKIPPED,):
        return Answer({REPORT_SPOKE_TO: value})
    options = spoke_to_options(phrase)
    chosen = None if turn.is_payload else match_choice(value, options) or _both(value, options)
    if chosen:
        return Answer({REPORT_SPOKE_TO: chosen})  # "nadie" names a choice, read as skip or not
    if skips(turn):
        return Answer({REPORT_SPOKE_TO: SKIPPED})
    if (
        yes_or_no(turn) is False
        or (turn.intent == "deny" and turn.words <= MAX_DENY_WORDS)
        or (not turn.is_payload and _begins_with_no(value, phrase))
    ):
        return _understood("report_spoke_to", "neither", phrase)
    closest = None if turn.is_payload else closest_choice(value, options)
    if closest:
        return _understood("report_spoke_to", closest, phrase)
    return refused(REPORT_SPOKE_TO, InvalidReport("spoke_to", "unknown_choice"))


def _both(value: str, options: Options) -> Optional[str]:
    """ "Both" when the answer says it and names one of them too ("el etnein, mostashar w
    modiri"), or names the advisor and the manager apart ("my boss and an advisor")."""
    named = named_choices(plain(value), options)
    if "both" in named or {"advisor", "manager"} <= named:
        return "both"
    return None


def answer_contact(turn: Turn, phrase: Phrase) -> Answer:
    """The way back to the reporter; an address or number written in the answer is taken
    with it, and details given for an earlier choice no longer count. Choosing anonymity
    is followed by what it does not protect (anonymity_caveat)."""
    return anonymity_caveat(_answer_contact(turn, phrase))


def anonymity_caveat(answer: Answer) -> Answer:
    """The answer, and when it makes the report anonymous, what that means: details can
    still identify the reporter, and less can be investigated or answered."""
    if answer.slots.get(REPORT_CONTACT) != "anonymous" or ANONYMITY_CAVEAT in answer.say:
        return answer
    return replace(answer, say=(*answer.say, ANONYMITY_CAVEAT))


def _answer_contact(turn: Turn, phrase: Phrase) -> Answer:
    value = turn.text
    if value in CONTACTS:
        return Answer({REPORT_CONTACT: value, REPORT_CONTACT_DETAILS: None})
    email = email_in(value)
    if email:
        return Answer({REPORT_CONTACT: "email", REPORT_CONTACT_DETAILS: email})
    options = contact_options(phrase)
    chosen = match_choice(value, options)
    if chosen:
        return Answer({REPORT_CONTACT: chosen, REPORT_CONTACT_DETAILS: None})
    if yes_or_no(turn) is False or skips(turn):
        return _understood("report_contact", "anonymous", phrase, {REPORT_CONTACT_DETAILS: None})
    closest = None if turn.is_payload else closest_choice(value, options)
    if closest:
        return _understood("report_contact", closest, phrase, {REPORT_CONTACT_DETAILS: None})
    return refused(REPORT_CONTACT, InvalidReport("contact", "unknown_choice"))


def answer_contact_details(value: Any, contact: Optional[str], region: Optional[str]) -> Answer:
    """An address or number for e-mail and phone; a local number is read with `region`
    (the post's country)."""
    if contact not in CONTACTS_WITH_DETAILS or is_payload(value):
        return Answer({REPORT_CONTACT_DETAILS: None})
    if contact == "email":
        value = email_in(value) or value
    try:
        return Answer({REPORT_CONTACT_DETAILS: contact_details(contact, value, region)})
    except InvalidReport as error:
        return refused(REPORT_CONTACT_DETAILS, error)
