"""The end of the report form: the answer to the summary (send it, change it, or the part to
change), and what the form takes when a question got no usable answer twice."""

from __future__ import annotations

from typing import Optional

from bot.cases.intake import InvalidReport
from bot.forms.answer import Answer
from bot.forms.choices import closest_choice, match_choice
from bot.forms.interruptions import Turn
from bot.report.answers import anonymity_caveat, refused, yes_or_no
from bot.report.form import (
    CHANGE,
    CHANGEABLE,
    DONE,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_CONTACT_DETAILS,
    REPORT_INVOLVED,
    REPORT_KIND,
    REPORT_SPOKE_TO,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_WITNESSES,
    SEND,
    SKIPPED,
    STOPPED,
    Phrase,
    change_options,
    confirm_options,
    slot_resets,
)

# --- the summary ----------------------------------------------------------------------------


def answer_confirm(turn: Turn, changing: bool, phrase: Phrase) -> Answer:
    """Send, change (then: which part), or the part to change. Only that part is asked
    again; then the summary comes back."""
    value: Optional[str] = turn.text
    if value not in (SEND, CHANGE) and not str(value).startswith("change_"):
        # Naming the part to change ("the date") works without saying "change" first.
        options = {**confirm_options(phrase), **change_options(phrase)}
        if changing:
            options = change_options(phrase)
        typed = value
        value = match_choice(typed, options)
        if value is None and not changing:
            # Words near a change ("ابي اغير شي", I want to change something) are never a
            # yes to sending, whatever the intent model read in them.
            near = closest_choice(typed, options)
            if near is not None and near != SEND:
                value = CHANGE
            else:
                value = {True: SEND, False: CHANGE}.get(yes_or_no(turn))  # type: ignore[arg-type]
    if value == SEND:
        return Answer({REPORT_CONFIRM: SEND, REPORT_CHANGING: None})
    if value == CHANGE:
        return Answer({REPORT_CONFIRM: None, REPORT_CHANGING: True})
    part = str(value).removeprefix("change_")
    if value and part in CHANGEABLE:
        return Answer(
            {**slot_resets(CHANGEABLE[part]), REPORT_CONFIRM: None, REPORT_CHANGING: None}
        )
    return refused(REPORT_CONFIRM, InvalidReport("confirm", "unknown_choice"))


# --- moving on ------------------------------------------------------------------------------


def move_on(slot: str, description: Optional[str] = None) -> Answer:
    """What the form takes when a question got no usable answer twice, and says so: an
    optional question is left open, the contact becomes anonymous (changeable in the
    summary), and a report without a story or a confirmation is not sent."""
    if slot in (REPORT_WHEN, REPORT_WHERE, REPORT_INVOLVED, REPORT_WITNESSES, REPORT_SPOKE_TO):
        return Answer({slot: SKIPPED}, ("utter_report_moved_on",))
    if slot == REPORT_KIND:
        return Answer({REPORT_KIND: "unsure"}, ("utter_report_moved_on",))
    if slot in (REPORT_CONTACT, REPORT_CONTACT_DETAILS):
        return anonymity_caveat(
            Answer(
                {REPORT_CONTACT: "anonymous", REPORT_CONTACT_DETAILS: None},
                ("utter_report_contact_defaulted",),
            )
        )
    if slot == REPORT_WHAT_HAPPENED and description:
        return Answer({REPORT_WHAT_HAPPENED: DONE})
    return Answer({REPORT_WHAT_HAPPENED: DONE, REPORT_CONFIRM: STOPPED, REPORT_CHANGING: None})
