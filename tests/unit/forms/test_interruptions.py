"""Inside a form, a typed message is the answer unless it clearly leaves the form."""

from __future__ import annotations

import pytest

from bot.forms.interruptions import Expects, Turn, steps_aside


def turn(text: str, intent: str, confidence: float = 0.95, **kw: object) -> Turn:
    return Turn(text=text, intent=intent, confidence=confidence, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("bullying", "ask_what_counts"),
        ("my team leader", "bot_challenge"),
        ("yes two colleagues saw it", "bot_challenge"),
        ("last week", "ask_process"),
        ("in the office", "ask_external"),
        ("anonymous", "ask_anonymity"),
    ],
)
def test_short_answers_are_answers_whatever_the_model_read(text, intent):
    for expects in (Expects.TEXT, Expects.CHOICE, Expects.STORY):
        assert not steps_aside(turn(text, intent), expects)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("is this anonymous?", "ask_anonymity"),
        ("what does a confidential advisor actually do", "ask_advisor_role"),
        ("am I talking to a robot?", "bot_challenge"),
        ("¿quién va a leer esto?", "ask_anonymity"),
    ],
)
def test_a_clear_question_leaves_a_short_answer_question(text, intent):
    assert steps_aside(turn(text, intent), Expects.TEXT)


def test_a_longer_answer_without_a_question_mark_stays_unless_the_model_is_all_but_certain():
    answer = "no witnesses but i kept his whatsapp messages"
    assert not steps_aside(turn(answer, "ask_anonymity", 0.88), Expects.TEXT)
    asked = "what does a confidential advisor actually do"
    assert steps_aside(turn(asked, "ask_advisor_role", 0.97), Expects.TEXT)


@pytest.mark.parametrize(
    "statement",
    [
        "o contrato esta no sistema de compras",
        "من بداية السنة تقريبا كل اسبوع",
        "ou alors au bureau du chef",
    ],
)
def test_a_statement_the_model_is_sure_is_a_question_is_the_answer(statement):
    # Read as ask_what_counts at 0.97 at the question about witnesses or evidence.
    assert not steps_aside(turn(statement, "ask_what_counts", 0.97), Expects.TEXT)


@pytest.mark.parametrize(
    ("asked", "intent"),
    [
        ("kan mijn baas dit later lezen", "ask_anonymity"),
        ("est ce que mon chef va le savoir", "ask_anonymity"),
        ("هل سيعرف مديري انني انا من كتب البلاغ", "ask_anonymity"),
        ("i want to talk to a real person now", "human_handoff"),
    ],
)
def test_a_question_or_request_without_its_question_mark_still_leaves(asked, intent):
    assert steps_aside(turn(asked, intent, 0.97), Expects.TEXT)


def test_a_question_that_names_a_choice_still_asks():
    asked = "oye y si se entera mi jefe me pueden despedir por esto?"
    assert steps_aside(turn(asked, "ask_protection", 0.9), Expects.CHOICE, is_choice=True)
    assert not steps_aside(turn("mi jefe", "ask_protection", 0.9), Expects.CHOICE, is_choice=True)


def test_an_unsure_model_never_takes_the_answer_away():
    assert not steps_aside(turn("is this anonymous?", "ask_anonymity", 0.45), Expects.TEXT)


def _parsed(text: str, ranking: list[tuple[str, float]]) -> Turn:
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Turn.from_parse({"text": text, "intent": entries[0], "intent_ranking": entries})


def test_a_question_the_model_splits_between_our_questions_still_leaves():
    asked = "moment, bekommt mein teamleiter mit dass die meldung von mir kommt?"
    split = [("ask_anonymity", 0.48), ("ask_protection", 0.18), ("report", 0.15)]
    assert steps_aside(_parsed(asked, split), Expects.TEXT)
    # Split between one of our questions and anything else, it is still the answer.
    unsure = [("ask_anonymity", 0.45), ("share_experience", 0.4), ("ask_protection", 0.04)]
    assert not steps_aside(_parsed(asked, unsure), Expects.TEXT)
    # Without a question mark, only the top reading counts.
    said = "mein teamleiter weiss dass die meldung von mir kommt"
    assert not steps_aside(_parsed(said, split), Expects.TEXT)


def test_a_question_inside_a_long_story_stays_in_the_story():
    story = (
        "he keeps sending me messages at night and comments on my clothes in front of the "
        "whole team, I don't know if this counts as harassment?"
    )
    assert not steps_aside(turn(story, "ask_what_counts"), Expects.STORY)
    assert steps_aside(turn("does this count as harassment?", "ask_what_counts"), Expects.STORY)


def test_cancel_only_as_a_short_message_of_its_own():
    assert steps_aside(turn("stop", "cancel"), Expects.SECRET)
    assert not steps_aside(
        turn("he told me to stop and cancel the contract", "cancel"), Expects.STORY
    )


def test_words_that_select_a_choice_are_the_answer():
    assert not steps_aside(turn("bullying?", "ask_what_counts"), Expects.CHOICE, is_choice=True)


def test_safety_always_interrupts_but_danger_told_in_the_story_stays_in_it():
    assert steps_aside(turn("he has a knife", "emergency"), Expects.TEXT)
    assert steps_aside(turn("I want to die", "self_harm"), Expects.STORY)
    assert not steps_aside(turn("he is outside my door now", "emergency"), Expects.STORY)


def test_a_button_of_an_earlier_answer_is_a_question_not_an_answer():
    assert steps_aside(turn("/ask_anonymity", "ask_anonymity", 1.0), Expects.TEXT)


def test_a_secret_is_never_read_as_a_question():
    assert not steps_aside(turn("what does the advisor do", "ask_advisor_role"), Expects.SECRET)


@pytest.mark.parametrize(
    "text, intent",
    [("delete my data", "delete_data"), ("en español por favor", "change_language")],
)
def test_a_sure_request_about_the_conversation_leaves_even_when_short(text, intent):
    # "delete my data" at the kind question was kept as the start of the story.
    for expects in (Expects.TEXT, Expects.CHOICE, Expects.STORY):
        assert steps_aside(turn(text, intent, 1.0), expects)
    assert not steps_aside(turn(text, intent, 1.0), Expects.SECRET)


def test_an_answer_the_model_half_reads_as_a_request_stays_an_answer():
    assert not steps_aside(turn("my boss", "delete_data", 0.54), Expects.TEXT)


def test_a_typed_cancel_must_say_a_word_of_stopping_when_the_form_knows_them():
    words = ["stop", "abbrechen", "doch nicht", "laat maar"]
    assert steps_aside(turn("doch nicht, abbrechen", "cancel"), Expects.TEXT, cancel_words=words)
    assert steps_aside(turn("Laat maar!", "cancel"), Expects.TEXT, cancel_words=words)
    # A date the model read as cancel is the answer to "when did it happen?".
    assert not steps_aside(turn("seit anfang jahr", "cancel"), Expects.TEXT, cancel_words=words)
    # "stop" inside another word is no stop.
    assert not steps_aside(turn("bushaltestop", "cancel"), Expects.TEXT, cancel_words=words)


def test_a_request_to_delete_must_say_a_word_of_deleting_when_the_form_knows_them():
    words = ["verwijder", "wis", "delet"]
    # Seen in a typed conversation: the evidence, read as delete_data at 0.91, was lost.
    evidence = turn("ik heb screenshots van de berichten", "delete_data", 0.91)
    assert not steps_aside(evidence, Expects.TEXT, delete_words=words)
    assert steps_aside(evidence, Expects.TEXT)  # without the words, the model decides
    wish = turn("verwijder al mijn berichten", "delete_data", 0.97)
    assert steps_aside(wish, Expects.TEXT, delete_words=words)
    assert steps_aside(
        turn("please delete everything", "delete_data", 0.97), Expects.TEXT, delete_words=words
    )


def test_a_word_of_stopping_and_the_models_reading_together_need_less_certainty():
    words = ["الغي", "stop", "abbrechen"]
    # "cancel the report now", read as cancel at only 0.84, was kept as part of the story.
    assert steps_aside(turn("الغي البلاغ هلأ", "cancel", 0.84), Expects.STORY, cancel_words=words)
    # Neither signal alone is enough: no word of stopping, or the model reads something else.
    assert not steps_aside(
        turn("seit anfang jahr", "cancel", 0.84), Expects.TEXT, cancel_words=words
    )
    assert not steps_aside(turn("stop", "cancel", 0.5), Expects.TEXT, cancel_words=words)
    assert not steps_aside(
        turn("he did not stop", "share_experience", 0.9), Expects.STORY, cancel_words=words
    )


def test_an_unsure_other_language_in_latin_letters_is_an_answer_in_the_conversation():
    # The vote leaned to Afrikaans (0.34) on a Hindi speaker's "since June, every weekend":
    # in a Hindi conversation it answers the question; a Polish sentence still steps aside.
    def parsed(text: str, code: str, confidence: float) -> dict:
        return {
            "text": text,
            "intent": {"name": "nlu_fallback", "confidence": 0.3},
            "language": {"code": code, "confidence": confidence, "supported": False},
        }

    hinglish = parsed("june se har weekend", "af", 0.34)
    assert steps_aside(Turn.from_parse(hinglish), Expects.TEXT)
    assert not steps_aside(Turn.from_parse(hinglish, "hi"), Expects.TEXT)
    polish = parsed("mój szef codziennie na mnie krzyczy przy wszystkich", "pl", 0.96)
    assert steps_aside(Turn.from_parse(polish, "hi"), Expects.TEXT)
