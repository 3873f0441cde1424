"""Typed words that name a button of the last bot turn are that button (outside forms)."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
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


# The choice about originals, offered beside a form's question (actions/evidence.py).
KEEP_PAYLOAD = '/share_file{"file_choice": "keep_original"}'
REMOVE_PAYLOAD = '/share_file{"file_choice": "remove_details"}'
QUESTION = BotUttered(
    "Zijn er getuigen of bewijs?",
    {"buttons": [{"title": "Nee", "payload": "/deny"}, {"title": "Ja", "payload": "/affirm"}]},
)


def _offered(title: str, payload: str = KEEP_PAYLOAD, state: str = "offered", *later: object):
    offer = BotUttered("Ik kan je originelen bewaren.",
                       {"buttons": [{"title": title, "payload": payload}]})  # fmt: skip
    return _tracker(ActiveLoop("report_form"), SlotSet("file_originals", state),
                    UserUttered("/share_file"), offer, QUESTION, *later)  # fmt: skip


@pytest.mark.parametrize(
    "typed",
    ["Bewaar mijn originelen", "bewaar mijn origineelen", "graag bewaar mijn originelen"],
)
def test_inside_a_form_the_typed_choice_about_originals_is_that_button(typed: str):
    assert chosen_payload(typed, _offered("Bewaar mijn originelen")) == KEEP_PAYLOAD


@pytest.mark.parametrize(
    ("title", "typed"),
    [("保留我的原件", "请保留我的原件"), ("الاحتفاظ بملفاتي الأصلية", "الاحتفاظ بملفاتي الاصلية")],
)
def test_the_typed_choice_is_read_in_every_script(title: str, typed: str):
    assert chosen_payload(typed, _offered(title)) == KEEP_PAYLOAD


def test_later_in_the_conversation_the_choice_is_still_read_while_it_is_open():
    later = _offered("Bewaar mijn originelen", KEEP_PAYLOAD, "offered",
                     UserUttered("vorige week"), BotUttered("Waar was het?"))  # fmt: skip
    assert chosen_payload("bewaar mijn originelen", later) == KEEP_PAYLOAD


@pytest.mark.parametrize(
    ("typed", "state"),
    [
        ("Nee", "offered"),  # the question's own answer: the form reads it
        ("bewaar", "offered"),  # one word of the title ("Keep them" at the summary)
        ("ik wil mijn originelen bewaren want de plaats op de foto is belangrijk", "offered"),
        ("Bewaar mijn originelen", "keep"),  # already chosen: nothing open to keep
    ],
)
def test_other_words_or_a_choice_not_open_are_left_to_the_form(typed: str, state: str):
    assert chosen_payload(typed, _offered("Bewaar mijn originelen", KEEP_PAYLOAD, state)) is None


def test_once_originals_are_kept_taking_details_out_again_can_be_typed():
    kept = _offered("Gegevens er weer uithalen", REMOVE_PAYLOAD, "keep")
    assert chosen_payload("gegevens er weer uithalen", kept) == REMOVE_PAYLOAD
    assert chosen_payload("gegevens er weer uithalen", _offered("Bewaar mijn originelen")) is None


def test_deleting_files_is_never_read_from_typed_words():
    discard = '/share_file{"file_choice": "discard"}'
    shown = _offered("Bestand verwijderen", discard)
    assert chosen_payload("bestand verwijderen", shown) is None
