"""Typed words select a choice: labels, synonyms, typos, numbers, phrases."""

from __future__ import annotations

import pytest

from bot.forms.choices import closest_choice, match_choice

SPOKE_TO = {
    "advisor": ["A confidential advisor", "advisor"],
    "manager": ["My manager", "manager", "my boss", "boss"],
    "both": ["Both"],
    "neither": ["Neither", "no one", "nobody"],
}


@pytest.mark.parametrize(
    "typed, chosen",
    [
        ("My manager", "manager"),
        ("MY BOSS", "manager"),
        ("yes, my manager", "manager"),
        ("managr", "manager"),
        ("nobody", "neither"),
        ("no one yet", "neither"),
        ("2", "manager"),
        ("٣", "both"),
        ("4.", "neither"),
    ],
)
def test_typed_answers_select_their_choice(typed, chosen):
    assert match_choice(typed, SPOKE_TO) == chosen


@pytest.mark.parametrize("typed", ["", "purple elephants", "9", "my manager and an advisor"])
def test_nothing_or_more_than_one_selects_none(typed):
    assert match_choice(typed, SPOKE_TO) is None


CONTACT_ZH = {
    "anonymous": ["保持匿名", "匿名"],
    "this_channel": ["在这里", "这里"],
    "phone": ["电话", "打电话"],
}


@pytest.mark.parametrize(
    "typed, chosen",
    [("我还是匿名吧", "anonymous"), ("就在这里联系我", "this_channel"), ("给我打电话", "phone")],
)
def test_chinese_words_are_found_inside_a_sentence_without_spaces(typed, chosen):
    assert match_choice(typed, CONTACT_ZH) == chosen


def test_chinese_words_of_two_choices_select_none():
    assert match_choice("匿名还是打电话", CONTACT_ZH) is None


def test_accents_and_case_do_not_matter():
    kinds = {"discrimination": ["Discriminación"], "fraud": ["Fraude o corrupción", "fraude"]}
    assert match_choice("discriminacion", kinds) == "discrimination"
    assert match_choice("FRAUDE O CORRUPCION", kinds) == "fraud"


def test_short_words_are_not_stretched_to_fit():
    assert match_choice("nog", {"neither": ["no"], "both": ["both"]}) is None


def test_the_closest_choice_only_when_one_is_clearly_closest():
    kinds = {"intimidation": ["Intimidation"], "discrimination": ["Discrimination"]}
    assert closest_choice("intimidacion tion", kinds) in (None, "intimidation")
    assert closest_choice("zzz", kinds) is None
