"""Typed words that name a button of the last bot turn are that button (outside forms)."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActiveLoop, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.forms.choices import button_for
from bot.servers.typed_buttons import chosen_payload

ADVISORS = [
    ("Transmettre à Nadia Benali", '/human_handoff{"handoff_target": "rab-nadia-benali"}'),
    ("Transmettre à Youssef Amrani", '/human_handoff{"handoff_target": "rab-youssef-amrani"}'),
    (
        "Transmettre aux personnes de confiance de mon poste",
        '/human_handoff{"handoff_target": "pool"}',
    ),
]


@pytest.mark.parametrize(
    ("typed", "target"),
    [
        ("Nadia", "rab-nadia-benali"),
        ("nadia benali", "rab-nadia-benali"),
        ("Youssef", "rab-youssef-amrani"),
        ("transmettre a nadia benali", "rab-nadia-benali"),  # no accent
        ("Transmettre à Nadia Benal", "rab-nadia-benali"),  # a typo
    ],
)
def test_a_name_or_a_title_typed_is_its_button(typed: str, target: str):
    payload = button_for(typed, ADVISORS)
    assert payload is not None and target in payload


@pytest.mark.parametrize(
    "typed",
    [
        "transmettre",  # every title has it
        "non",
        "oui",
        "non merci, je vais contacter Nadia moi-même plus tard",  # says more than a title
        "",
    ],
)
def test_words_that_name_no_single_button_are_left_to_the_model(typed: str):
    assert button_for(typed, ADVISORS) is None


def _tracker(*events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", list(events))


def test_only_the_buttons_shown_since_the_user_last_wrote_count():
    shown = BotUttered("Qui ?", {"buttons": [{"title": t, "payload": p} for t, p in ADVISORS]})
    assert chosen_payload("Nadia", _tracker(UserUttered("bonjour"), shown)) == ADVISORS[0][1]
    later = _tracker(shown, UserUttered("merci"), BotUttered("Avec plaisir."))
    assert chosen_payload("Nadia", later) is None


def test_inside_a_form_the_form_reads_the_words_itself():
    shown = BotUttered("Qui ?", {"buttons": [{"title": t, "payload": p} for t, p in ADVISORS]})
    in_form = _tracker(ActiveLoop("report_form"), UserUttered("oui"), shown)
    assert chosen_payload("Nadia", in_form) is None
    assert chosen_payload("/affirm", _tracker(shown)) is None  # a button press already
