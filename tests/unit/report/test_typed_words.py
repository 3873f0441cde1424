"""The words the report form reads in every language: the start question's buttons typed as
words start or postpone the report, and each language has words that pass a question."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.store import load_content
from bot.forms.choices import match_choice
from bot.forms.interruptions import Turn
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.report.answers import answer_contact, answer_spoke_to
from bot.report.form import DECLINED, STARTED, says_skip, start_options
from bot.report.summary import answer_confirm


@pytest.fixture(scope="module")
def content(root: Path):
    return load_content(root / "data" / "content")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_typing_a_start_buttons_title_selects_it(content, language: str):
    def phrase(name: str):
        return content.phrases[language].get(name)

    buttons = content.responses[language]["utter_report"].buttons
    by_payload = {b.payload: b.title for b in buttons}
    options = start_options(phrase)
    assert match_choice(by_payload["/affirm"], options) == STARTED
    assert match_choice(by_payload["/deny"], options) == DECLINED
    assert match_choice(by_payload["/affirm"].lower(), options) == STARTED


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_has_words_that_pass_a_question(content, language: str):
    def phrase(name: str):
        return content.phrases[language].get(name)

    skip_button = content.responses[language]["utter_ask_report_when"].buttons[0].title
    assert says_skip(skip_button, phrase)


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("hena", "report_contact", "this_channel"),  # "here"
        ("majhool", "report_contact", "anonymous"),
        ("ersal", "report_confirm", "send"),
        ("ab3at", "report_confirm", "send"),
        ("el etnein, mostashar w modiri", "report_spoke_to", "both"),  # both, advisor and boss
    ],
)
def test_arabizi_answers_to_the_report_questions(content, text: str, slot: str, value: str):
    # Local staff write Arabic in Latin letters on WhatsApp; "hena" and "ersal" were not
    # understood in a typed conversation.
    def phrase(name: str):
        return content.phrases["ar"].get(name)

    turn = Turn(text=text, intent="nlu_fallback", confidence=0.3)
    if slot == "report_contact":
        answer = answer_contact(turn, phrase)
    elif slot == "report_spoke_to":
        answer = answer_spoke_to(turn, phrase)
    else:
        answer = answer_confirm(turn, False, phrase)
    assert answer.slots.get(slot) == value and not answer.refused
