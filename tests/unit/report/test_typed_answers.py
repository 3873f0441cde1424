"""The report form's answers as people type them (bot/report/answers, bot/report/memory)."""

from __future__ import annotations

from typing import Optional

import pytest

from bot.forms.interruptions import Turn
from bot.report.answers import (
    answer_contact,
    answer_kind,
    answer_spoke_to,
    answer_start,
    answer_what_happened,
)
from bot.report.form import (
    CHANGE,
    DECLINED,
    DONE,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_CONTACT_DETAILS,
    REPORT_DESCRIPTION,
    REPORT_KIND,
    REPORT_SPOKE_TO,
    REPORT_START,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    SEND,
    SKIPPED,
    STARTED,
    STOPPED,
    is_done,
    required_slots,
    says_skip,
)
from bot.report.memory import Said, carried_over, said_before
from bot.report.summary import answer_confirm, move_on

PHRASES = {
    "report_kind_bullying": "Bullying, bully",
    "report_kind_fraud": "Fraud or corruption, fraud, corruption",
    "report_kind_other": "Something else, other",
    "report_kind_unsure": "Not sure, I don't know",
    "report_spoke_to_manager": "My manager, manager, my boss, boss",
    "report_spoke_to_neither": "Neither, nobody, no one",
    "report_spoke_to_advisor": "A confidential advisor, advisor",
    "report_spoke_to_both": "Both",
    "report_contact_anonymous": "Stay anonymous, anonymous",
    "report_contact_email": "By e-mail, email",
    "report_send_words": "Send, send it",
    "report_start_words": "Start the report, start, let's start, lets start",
    "report_later_words": "Not now, later, maybe later",
    "report_change_words": "Change something, change",
    "report_done_words": "done, that's all, nothing else",
    "report_skip_words": "skip, prefer not to say, rather not",
    "no_words": "no, nope, la2",
}


def phrase(name: str) -> Optional[str]:
    return PHRASES.get(name)


def classify(text: str) -> Optional[str]:
    return "fraud" if "money" in text or "fraude" in text else None


def typed(text: str, intent: str = "share_experience", confidence: float = 0.9) -> Turn:
    return Turn(text=text, intent=intent, confidence=confidence)


class TestStart:
    def test_a_yes_starts_and_a_no_ends_with_nothing_kept(self):
        assert answer_start(typed("yes", "affirm"), None, phrase, classify).slots == {
            REPORT_START: STARTED
        }
        no = answer_start(typed("not now", "deny"), None, phrase, classify)
        assert no.slots == {REPORT_START: DECLINED} and no.say == ("utter_no_pressure",)
        assert required_slots(None, DECLINED) == []

    @pytest.mark.parametrize(
        ("text", "started"),
        [("yes lets start", STARTED), ("ok let's start", STARTED), ("maybe later", DECLINED)],
    )
    def test_a_start_in_words_is_taken_even_when_the_model_reads_a_cancel(self, text, started):
        # "yes lets start" was read as cancel (0.74), and the report ended before it began.
        answer = answer_start(typed(text, "cancel", 0.74), None, phrase, classify)
        assert answer.slots == {REPORT_START: started}

    def test_typing_what_it_is_about_starts_with_those_words(self):
        answer = answer_start(
            typed("fraude met declaraties", "ask_process"), None, phrase, classify
        )
        assert answer.slots[REPORT_START] == STARTED
        assert answer.slots[REPORT_KIND] == "fraud"
        assert answer.slots[REPORT_DESCRIPTION] == "fraude met declaraties"
        assert answer.say == ("utter_report_understood",)
        assert answer.variables == {"choice": "Fraud or corruption"}


class TestKind:
    @pytest.mark.parametrize("text", ["bullying", "Bulying", "BULLY", "1"])
    def test_the_words_of_a_choice_select_it_whatever_the_intent(self, text):
        answer = answer_kind(typed(text, "ask_what_counts"), None, phrase, classify)
        assert answer.slots == {REPORT_KIND: "bullying"} and not answer.refused

    def test_a_label_of_several_words_typed_with_a_typo_is_the_choice_not_the_story(self):
        answer = answer_kind(
            typed("fraud or corruptoin", "ask_what_counts"), None, phrase, classify
        )
        assert answer.slots == {REPORT_KIND: "fraud"}

    def test_a_word_of_the_story_a_typo_away_from_a_label_selects_nothing(self):
        # Arabic "مديري" (my manager) is a typo away from "مدري" (I don't know).
        labels = {**PHRASES, "report_kind_unsure": "Not sure, managr"}
        story = typed("my manager says he will not renew me unless I pay", "share_experience")
        answer = answer_kind(story, None, labels.get, classify)
        assert answer.slots[REPORT_KIND] != "unsure"

    def test_a_story_names_its_kind_and_is_kept(self):
        answer = answer_kind(typed("he asks me for money"), None, phrase, classify)
        assert answer.slots == {REPORT_KIND: "fraud", REPORT_DESCRIPTION: "he asks me for money"}

    def test_a_chinese_story_with_a_label_in_it_is_kept(self):
        # No spaces: the sentence is one "word" by spaces, seven by its letters.
        labels = {**PHRASES, "report_kind_bullying": "霸凌, 评论"}
        story = "他老是摸我肩膀,还评论我的身材"
        answer = answer_kind(typed(story, "share_experience"), None, labels.get, classify)
        assert answer.slots[REPORT_DESCRIPTION] == story

    def test_the_story_told_before_the_report_names_the_kind(self):
        told_first = "he asks me for money to renew my contract"
        answer = answer_kind(typed("everyone here pays him"), told_first, phrase, classify)
        assert answer.slots[REPORT_KIND] == "fraud"
        assert answer.slots[REPORT_DESCRIPTION] == f"{told_first}\neveryone here pays him"

    def test_i_dont_know_inside_a_story_is_no_answer_to_the_kind(self):
        answer = answer_kind(typed("I don't know why he wants money"), None, phrase, classify)
        assert answer.slots[REPORT_KIND] == "fraud"

    def test_what_fits_nothing_is_something_else_with_the_words_kept(self):
        answer = answer_kind(typed("my team leader"), None, phrase, classify)
        assert answer.slots == {REPORT_KIND: "other", REPORT_DESCRIPTION: "my team leader"}
        assert answer.say == ("utter_report_kind_kept_as_other",)

    def test_a_bare_yes_is_asked_again_then_the_form_moves_on(self):
        answer = answer_kind(typed("yes", "affirm"), None, phrase, classify)
        assert answer.refused
        assert move_on(REPORT_KIND).slots == {REPORT_KIND: "unsure"}


class TestStory:
    def test_no_ends_the_story_once_there_is_one(self):
        done = answer_what_happened(typed("no", "deny"), "he shouted", phrase)
        assert done.slots == {REPORT_WHAT_HAPPENED: DONE}
        assert answer_what_happened(typed("nothing else", "deny"), "x", phrase).slots == {
            REPORT_WHAT_HAPPENED: DONE
        }

    def test_yes_to_anything_to_add_invites_more_and_counts(self):
        answer = answer_what_happened(typed("yes", "affirm"), "he shouted", phrase)
        assert answer.refused and answer.say == ("utter_report_go_on",)

    def test_no_story_at_all_twice_means_no_report_is_sent(self):
        assert answer_what_happened(typed("skip", "skip"), None, phrase).refused
        stopped = move_on(REPORT_WHAT_HAPPENED, None)
        assert stopped.slots[REPORT_CONFIRM] == STOPPED
        assert required_slots(None, STARTED, STOPPED) == []

    def test_short_answers_are_part_of_the_story(self):
        answer = answer_what_happened(typed("my team leader", "bot_challenge"), None, phrase)
        assert answer.slots[REPORT_DESCRIPTION] == "my team leader"


class TestChoices:
    @pytest.mark.parametrize(
        "text, intent, chosen",
        [
            ("my boss", "share_experience", "manager"),
            ("yes to my manager", "affirm", "manager"),
            ("no", "deny", "neither"),
            ("nobody yet", "deny", "neither"),
            ("nobody", "skip", "neither"),  # the word names a choice, whatever the model read
            # A no-word first, whatever the model read ("la2 ma kalemtesh 7ad": fallback).
            ("la2 ma kalemtesh 7ad", "nlu_fallback", "neither"),
            ("nope didnt talk to anybody", "ask_anonymity", "neither"),
            # Both named apart, or "both" said with one of them named.
            ("my boss and an advisor", "share_experience", "both"),
            ("both, my manager too", "inform", "both"),
        ],
    )
    def test_spoke_to_in_own_words(self, text, intent, chosen):
        assert answer_spoke_to(typed(text, intent), phrase).slots[REPORT_SPOKE_TO] == chosen

    def test_an_address_in_the_answer_is_the_contact(self):
        answer = answer_contact(typed("mail me at amal@example.org please", "inform"), phrase)
        assert answer.slots == {REPORT_CONTACT: "email", REPORT_CONTACT_DETAILS: "amal@example.org"}

    def test_no_contact_means_anonymous_said_back(self):
        answer = answer_contact(typed("no", "deny"), phrase)
        assert answer.slots[REPORT_CONTACT] == "anonymous"
        assert answer.say == ("utter_report_understood", "utter_report_anonymous_caveat")

    def test_contact_given_up_is_anonymous_and_said(self):
        moved = move_on(REPORT_CONTACT)
        assert moved.slots[REPORT_CONTACT] == "anonymous"
        assert moved.say == ("utter_report_contact_defaulted", "utter_report_anonymous_caveat")

    @pytest.mark.parametrize("text", ["stay anonymous", "anonymous"])
    def test_choosing_anonymity_is_told_what_it_does_not_protect(self, text):
        answer = answer_contact(typed(text, "inform"), phrase)
        assert answer.slots[REPORT_CONTACT] == "anonymous"
        assert answer.say[-1] == "utter_report_anonymous_caveat"

    @pytest.mark.parametrize("text", ["by email", "on this channel", "phone"])
    def test_a_way_back_is_not_told_about_anonymity(self, text):
        answer = answer_contact(typed(text, "inform"), phrase)
        assert answer.slots[REPORT_CONTACT] != "anonymous"
        assert "utter_report_anonymous_caveat" not in answer.say

    @pytest.mark.parametrize(
        "text, intent, value",
        [("yes", "affirm", SEND), ("send it", "inform", SEND), ("no", "deny", CHANGE)],
    )
    def test_the_summary_answered_in_words(self, text, intent, value):
        answer = answer_confirm(typed(text, intent), False, phrase)
        got = SEND if answer.slots.get(REPORT_CONFIRM) == SEND else CHANGE
        assert got == value and not answer.refused

    def test_words_near_a_change_never_send_even_read_as_a_yes(self):
        # Two letters swapped: near "change" only, and the model read a yes in it.
        answer = answer_confirm(typed("i want to chaneg", "affirm"), False, phrase)
        assert answer.slots.get(REPORT_CONFIRM) != SEND
        assert answer.slots.get(REPORT_CHANGING) is True

    def test_optional_questions_given_up_are_left_open(self):
        for slot in (REPORT_WHEN, REPORT_WHERE):
            assert move_on(slot).slots == {slot: SKIPPED}


class TestCarriedOver:
    def test_a_story_told_first_and_the_wish_to_stay_anonymous(self):
        events = [
            {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
            {
                "event": "user",
                "text": "my boss asks me for money to renew my contract",
                "parse_data": {"intent": {"name": "share_experience"}},
            },
            {"event": "user", "text": "/affirm", "parse_data": {"intent": {"name": "affirm"}}},
            {
                "event": "user",
                "text": "I want to report it anonymously",
                "parse_data": {"intent": {"name": "report"}},
            },
        ]
        said = said_before(events, ("action_submit_report",))
        assert [s.text for s in said][0] == "hi" and len(said) == 3
        slots = carried_over(said, classify, ["anonymously", "anonymous"])
        assert slots[REPORT_DESCRIPTION] == "my boss asks me for money to renew my contract"
        assert slots[REPORT_KIND] == "fraud"
        assert slots[REPORT_CONTACT] == "anonymous"

    def test_nothing_from_before_the_last_report(self):
        events = [
            {
                "event": "user",
                "text": "old story",
                "parse_data": {"intent": {"name": "share_experience"}},
            },
            {"event": "action", "name": "action_submit_report"},
        ]
        assert said_before(events, ("action_submit_report",)) == []
        assert carried_over([Said("greet", "hello")], classify, ["anonymous"]) == {}


class TestPassing:
    @pytest.mark.parametrize("text", ["thats all", "that's all", "Nothing else"])
    def test_done_with_or_without_the_apostrophe(self, text):
        assert is_done(text, phrase)

    @pytest.mark.parametrize("text", ["Prefer not to say", "rather not", "skip"])
    def test_words_that_pass_an_optional_question(self, text):
        assert says_skip(text, phrase)

    @pytest.mark.parametrize("text", ["my boss, I'd rather not name him", "Rather", ""])
    def test_an_answer_that_says_more_is_kept(self, text):
        assert not says_skip(text, phrase)
