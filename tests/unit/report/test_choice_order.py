"""A typed number picks the choice shown with that number: the options the form matches
against are in the order of the question's buttons, in every language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pytest

from bot.content.store import load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.report.form import contact_options, kind_options, spoke_to_options

QUESTIONS: dict[str, Callable[..., Mapping[str, Sequence[str]]]] = {
    "utter_ask_report_kind": kind_options,
    "utter_ask_report_spoke_to": spoke_to_options,
    "utter_ask_report_contact": contact_options,
}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_numbers_follow_the_buttons(root: Path, question: str, language: str):
    content = load_content(root / "data" / "content")
    buttons = content.responses[language][question].buttons
    shown = [
        json.loads(b.payload[b.payload.index("{") :])["report_choice"]
        for b in buttons
        if "report_choice" in b.payload
    ]
    options = list(QUESTIONS[question](lambda name: None))
    assert shown == options
