"""The report form and the status check in the dialogue: what the form's answers mean, what
the summary shows, and what a status check tells the reporter. Pure functions without I/O;
actions/report.py and actions/status.py call them and the case store (bot/cases/).

Texts come from the content store by name (`phrase(name)` returns one in the conversation
language), so nothing here is worded in any language. What each answer means is in
bot/report/answers.py."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional

from bot.cases.model import CONTACTS, KINDS, SPOKE_TO
from bot.cases.views import Report
from bot.directory.spelling import normalize
from bot.forms.choices import match_choice, plain

# What an optional question holds when the reporter chose to skip it.
SKIPPED = "skipped"
# What the description question holds once the reporter said they have finished; the text
# itself grows in REPORT_DESCRIPTION over several messages.
DONE = "done"
SEND = "send"
CHANGE = "change"
# The first question ("shall we start?"): yes, or no (the form ends, nothing is kept).
STARTED = "yes"
DECLINED = "no"
# What the summary question holds when the reporter gave no usable answer twice: the
# report is not sent, and they are told how to start again.
STOPPED = "stopped"

REPORT_START = "report_start"
REPORT_KIND = "report_kind"
REPORT_WHAT_HAPPENED = "report_what_happened"
REPORT_DESCRIPTION = "report_description"
REPORT_WHEN = "report_when"
REPORT_WHERE = "report_where"
REPORT_POST_CODE = "report_post_code"
REPORT_POST_COUNTRY = "report_post_country"
REPORT_INVOLVED = "report_involved"
REPORT_WITNESSES = "report_witnesses"
REPORT_SPOKE_TO = "report_spoke_to"
REPORT_CONTACT = "report_contact"
REPORT_CONTACT_DETAILS = "report_contact_details"
REPORT_CONFIRM = "report_confirm"
REPORT_CHANGING = "report_changing"
REPORT_SUBMITTED = "report_submitted"
# The part of the summary that lists the files sent with the report.
FILES = "files"
# Said when the reporter chooses to stay anonymous: what anonymity does not protect.
ANONYMITY_CAVEAT = "utter_report_anonymous_caveat"

# The order the form asks in; the contact details only for e-mail and phone.
FORM_SLOTS: tuple[str, ...] = (
    REPORT_START,
    REPORT_KIND,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_INVOLVED,
    REPORT_WITNESSES,
    REPORT_SPOKE_TO,
    REPORT_CONTACT,
    REPORT_CONTACT_DETAILS,
    REPORT_CONFIRM,
)
# Everything the report flow keeps while it runs; all of it is cleared when it ends.
REPORT_SLOTS: tuple[str, ...] = FORM_SLOTS + (
    REPORT_DESCRIPTION,
    REPORT_POST_CODE,
    REPORT_POST_COUNTRY,
    REPORT_CHANGING,
)
CONTACTS_WITH_DETAILS = ("email", "phone")

# The parts of a report the reporter can change from the summary, and the slots each clears.
CHANGEABLE: Mapping[str, tuple[str, ...]] = {
    "kind": (REPORT_KIND,),
    "what_happened": (REPORT_WHAT_HAPPENED, REPORT_DESCRIPTION),
    "when": (REPORT_WHEN,),
    "where": (REPORT_WHERE, REPORT_POST_CODE, REPORT_POST_COUNTRY),
    "involved": (REPORT_INVOLVED,),
    "witnesses": (REPORT_WITNESSES,),
    "spoke_to": (REPORT_SPOKE_TO,),
    "contact": (REPORT_CONTACT, REPORT_CONTACT_DETAILS),
    # The files sent with the report: removed (actions/report_form), no question asked again.
    FILES: (),
}


# The summary shows the start of a long description; the whole text is stored.
SUMMARY_EXCERPT_CHARS = 400

Phrase = Callable[[str], Optional[str]]


def required_slots(
    contact: Optional[str], start: Optional[str] = None, confirm: Optional[str] = None
) -> list[str]:
    """The form's questions: contact details only when the coordinator is to write or call;
    none left once the reporter said no at the start or could not confirm."""
    if start == DECLINED or confirm == STOPPED:
        return []
    return [
        slot
        for slot in FORM_SLOTS
        if slot != REPORT_CONTACT_DETAILS or contact in CONTACTS_WITH_DETAILS
    ]


def what_happened_question(description: Optional[str]) -> str:
    """The first question invites the story; once something was written it asks for more.
    A story told in many messages (one line each) hears "go ahead, I'm listening" every
    other time from the third on, rather than the same "anything to add?" each time."""
    if not description:
        return "utter_report_what_happened_first"
    parts = description.count("\n") + 1
    if parts >= 3 and parts % 2 == 1:
        return "utter_report_go_on"
    return "utter_report_what_happened_more"


def contact_details_question(contact: Optional[str]) -> str:
    return "utter_report_ask_phone" if contact == "phone" else "utter_report_ask_email"


def slot_resets(names: Iterable[str]) -> dict[str, None]:
    return {name: None for name in names}


def forget_report() -> dict[str, None]:
    """Every answer of the report flow, cleared: nothing is carried over once a report is
    sent or cancelled, or a new one starts."""
    return slot_resets(REPORT_SLOTS)


def words_of(phrase: Phrase, name: str) -> list[str]:
    """A phrase that lists words separated by commas ('done, finished, that's all')."""
    return [word for word in (phrase(name) or "").split(",") if normalize(word)]


# The kinds in the order of the question's buttons: a typed number picks by it (a test
# checks the order against the content).
KIND_CHOICES: tuple[str, ...] = (
    "bullying",
    "sexual_harassment",
    "discrimination",
    "intimidation",
    "fraud",
    "conflict_of_interest",
    "misuse_of_information",
    "misuse_of_power",
    "other",
    "unsure",
)
assert set(KIND_CHOICES) == set(KINDS)


def kind_options(phrase: Phrase) -> dict[str, list[str]]:
    return {kind: words_of(phrase, f"report_kind_{kind}") for kind in KIND_CHOICES}


def spoke_to_options(phrase: Phrase) -> dict[str, list[str]]:
    return {key: words_of(phrase, f"report_spoke_to_{key}") for key in SPOKE_TO}


def contact_options(phrase: Phrase) -> dict[str, list[str]]:
    return {key: words_of(phrase, f"report_contact_{key}") for key in CONTACTS}


def change_options(phrase: Phrase) -> dict[str, list[str]]:
    return {f"change_{part}": words_of(phrase, f"report_field_{part}") for part in CHANGEABLE}


def removes_files(text: object, changing: bool, phrase: Phrase) -> bool:
    """Whether the answer to the summary chooses the files (to remove them): the button,
    or the part's name typed."""
    if text == f"change_{FILES}":
        return True
    if not isinstance(text, str) or text in (SEND, CHANGE) or text.startswith("change_"):
        return False
    options = (
        change_options(phrase)
        if changing
        else {**confirm_options(phrase), **change_options(phrase)}
    )
    return match_choice(text, options) == f"change_{FILES}"


def start_options(phrase: Phrase) -> dict[str, list[str]]:
    """The answers to "shall we start?" in words, with every yes- and no-word (the same as
    for consent): "yes let's start" is a start even when the model reads "let's" as a
    cancel, "ouais" even when it reads nothing; "not now" is a no."""
    return {
        STARTED: words_of(phrase, "report_start_words") + words_of(phrase, "yes_words"),
        DECLINED: words_of(phrase, "report_later_words") + words_of(phrase, "no_words"),
    }


def confirm_options(phrase: Phrase) -> dict[str, list[str]]:
    return {
        SEND: words_of(phrase, "report_send_words"),
        CHANGE: words_of(phrase, "report_change_words"),
    }


def is_done(text: object, phrase: Phrase) -> bool:
    """Whether a message to the description question says 'I have finished'."""
    if not isinstance(text, str):
        return False
    typed = plain(text)
    words = words_of(phrase, "report_done_words") + words_of(phrase, "report_send_words")
    return bool(typed) and typed in {plain(word) for word in words}


def says_skip(text: object, phrase: Phrase) -> bool:
    """Whether an answer to an optional question is only a way of passing it ("liever niet",
    "prefer not to say"), whatever the model read in it."""
    return _only_one_of(text, phrase, "report_skip_words")


def says_only_yes(text: object, phrase: Phrase) -> bool:
    """Whether an answer to "when?" or "where?" is only a yes ("yes", "iya", "ndiyo"), which
    names no time and no place: the question is asked again, not the yes kept as the answer."""
    if isinstance(text, str) and text.startswith("/"):  # a button, not a typed yes
        return False
    return _only_one_of(text, phrase, "yes_words")


def _only_one_of(text: object, phrase: Phrase, words: str) -> bool:
    """Whether the typed text is, as a whole, one of the phrase's listed `words`."""
    if not isinstance(text, str):
        return False
    typed = plain(text)
    return bool(typed) and typed in {plain(word) for word in words_of(phrase, words)}


def given(value: object) -> Optional[str]:
    """An optional answer as the case stores it: None when skipped or not asked."""
    if not isinstance(value, str) or value == SKIPPED or not value.strip():
        return None
    return value


def excerpt(text: str, limit: int = SUMMARY_EXCERPT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def summary_variables(slots: Mapping[str, Any], phrase: Phrase) -> dict[str, str]:
    """The values the summary shows, in the conversation language."""
    not_given = phrase("report_not_given") or "-"

    def label(prefix: str, key: object) -> str:
        return (phrase(f"{prefix}_{key}") or "").split(",")[0].strip() or not_given

    contact = slots.get(REPORT_CONTACT)
    contact_text = label("report_contact", contact)
    details = given(slots.get(REPORT_CONTACT_DETAILS))
    if contact in CONTACTS_WITH_DETAILS and details:
        contact_text = f"{contact_text}: {details}"
    spoke_to = given(slots.get(REPORT_SPOKE_TO))
    return {
        "kind": label("report_kind", slots.get(REPORT_KIND)),
        "what_happened": excerpt(slots.get(REPORT_DESCRIPTION) or "") or not_given,
        "when": given(slots.get(REPORT_WHEN)) or not_given,
        "where": given(slots.get(REPORT_WHERE)) or not_given,
        "involved": given(slots.get(REPORT_INVOLVED)) or not_given,
        "witnesses": given(slots.get(REPORT_WITNESSES)) or not_given,
        "spoke_to": label("report_spoke_to", spoke_to) if spoke_to else not_given,
        "contact": contact_text,
    }


def build_report(
    slots: Mapping[str, Any],
    language: str,
    channel: str,
    conversation_reference: Optional[str],
) -> Report:
    """The report the form collected; the case store checks every field again."""
    contact = slots.get(REPORT_CONTACT) or "anonymous"
    return Report(
        kind=slots.get(REPORT_KIND) or "unsure",
        what_happened=slots.get(REPORT_DESCRIPTION) or "",
        language=language,
        channel=channel,
        contact=contact,
        contact_details=given(slots.get(REPORT_CONTACT_DETAILS))
        if contact in CONTACTS_WITH_DETAILS
        else None,
        when=given(slots.get(REPORT_WHEN)),
        where=given(slots.get(REPORT_WHERE)),
        post_code=given(slots.get(REPORT_POST_CODE)),
        involved=given(slots.get(REPORT_INVOLVED)),
        witnesses=given(slots.get(REPORT_WITNESSES)),
        spoke_to=given(slots.get(REPORT_SPOKE_TO)),
        conversation_reference=conversation_reference,
        contact_region=given(slots.get(REPORT_POST_COUNTRY)),
    )


def has_report(slots: Mapping[str, Any]) -> bool:
    """Whether the form has collected a report that can be sent."""
    return bool(slots.get(REPORT_DESCRIPTION)) and slots.get(REPORT_CONFIRM) == SEND
