"""While an advisor holds a conversation: the way back in every language, emergencies
answered, everything else left to the advisor."""

from __future__ import annotations

import pytest

from bot import runtime
from bot.handoffs.hold import ANSWER, BACK_PHRASE, FILE, RESUME, WAIT, while_held
from bot.language.catalogue import SUPPORTED_LANGUAGES


def back_words() -> list[str]:
    phrases = runtime.content_store().content().phrases
    return [phrases[language][BACK_PHRASE] for language in SUPPORTED_LANGUAGES]


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
def test_the_word_of_every_language_goes_back_to_the_assistant(language):
    word = runtime.content_store().phrase(BACK_PHRASE, language)
    assert word and len(word.split()) == 1
    for typed in (word, word.lower(), f"  {word.capitalize()}! "):
        assert while_held(typed, {"intent": {"name": "bot_challenge"}}, back_words()) == RESUME


def test_the_button_payload_goes_back_too():
    assert while_held("/assistant", {}, back_words()) == RESUME


def test_an_emergency_is_answered_while_held():
    danger = {"intent": {"name": "share_experience"}, "safety": "danger"}
    assert while_held("he is outside my door with a knife", danger, back_words()) == ANSWER
    assert while_held("ik wil niet meer leven", {"intent": {"name": "self_harm"}}, []) == ANSWER


@pytest.mark.parametrize(
    "text", ["yes", "my boss", "last week", "I want to talk to the assistant about it"]
)
def test_anything_else_waits_for_the_advisor(text):
    assert while_held(text, {"intent": {"name": "affirm"}}, back_words()) == WAIT


def test_a_file_sent_while_held_goes_to_the_advisor_and_words_wait():
    file = '/share_file{"file_id": "0f3a"}'
    assert while_held(file, {"intent": {"name": "share_file"}}, back_words()) == FILE
    keep = '/share_file{"file_choice": "keep_original"}'  # a choice about files: answered
    assert while_held(keep, {"intent": {"name": "share_file"}}, back_words()) == FILE
    typed = {"intent": {"name": "share_file", "confidence": 0.97}}
    assert while_held("I have a screenshot of it", typed, back_words()) == WAIT
