"""Every language has words of deleting, and a form takes a request to delete as one only
with one of them in it: they must cover how people ask (the delete_data training examples)
and leave an answer that only mentions messages alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.store import load_content
from bot.forms.interruptions import begins_one_of
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.report.form import words_of


@pytest.fixture(scope="module")
def content(root: Path):
    return load_content(root / "data" / "content")


def delete_words(content, language: str) -> list[str]:
    # As the forms use them (actions/base.py): the language's, and English ones.
    return [
        word
        for lang in dict.fromkeys((language, "en"))
        for word in words_of(content.phrases[lang].get, "delete_words")
    ]


def requests_to_delete(root: Path, language: str) -> list[str]:
    found = []
    for path in sorted((root / "data" / "nlu" / language).glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if block["intent"] == "delete_data":
                found += [
                    line.strip()[2:]
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
    return found


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_words_of_deleting_cover_how_people_ask(content, root: Path, language: str):
    words = delete_words(content, language)
    asked = requests_to_delete(root, language)
    missed = [text for text in asked if not begins_one_of(text, words)]
    assert len(asked) >= 20 and len(missed) <= len(asked) // 20, missed


@pytest.mark.parametrize(
    ("language", "answer"),
    [
        ("nl", "ik heb screenshots van de berichten"),
        ("en", "he sent me messages at night"),
        ("fr", "il m'envoie des messages le soir"),
        ("es", "tengo capturas de los mensajes"),
        ("de", "ich habe screenshots von den nachrichten"),
        ("pt", "tenho prints das mensagens"),
        ("ar", "عندي صور من الرسائل"),
    ],
)
def test_an_answer_about_messages_says_no_word_of_deleting(content, language: str, answer: str):
    assert not begins_one_of(answer, delete_words(content, language))
