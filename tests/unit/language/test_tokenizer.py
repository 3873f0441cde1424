"""Tokens in every script our languages use: Chinese cut into words (Rasa's whitespace
tokenizer dropped Chinese entirely, as emoji), everything else as Rasa's tokenizer had it."""

from __future__ import annotations

import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language.segmentation import segment
from bot.language.tokenizer import ScriptTokenizer


def tokens(tokenizer, text: str) -> list[tuple[str, int, int]]:
    return [
        (t.text, t.start, t.end) for t in tokenizer.tokenize(Message(data={"text": text}), "text")
    ]


@pytest.fixture(scope="module")
def tokenizer() -> ScriptTokenizer:
    return ScriptTokenizer(ScriptTokenizer.get_default_config())


def test_rasas_own_tokenizer_loses_chinese():
    rasa = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    assert tokens(rasa, "我想举报我的经理") == [("我想举报我的经理", 0, 8)]  # the whole text, once
    assert "经理" not in [t for t, _, _ in tokens(rasa, "你好，我想举报我的经理 ok")]


def test_chinese_is_cut_into_words_with_their_places(tokenizer):
    found = tokens(tokenizer, "你好，我想举报我的经理 he shouts 骚扰HR部门")
    words = [t for t, _, _ in found]
    assert words[:2] == ["你好", "我"] and "举报" in words and "经理" in words and "HR" in words
    text = "你好，我想举报我的经理 he shouts 骚扰HR部门"
    assert all(text[start:end] == word for word, start, end in found)


@pytest.mark.parametrize(
    "text",
    ["مديري يصرخ علي!", "мой начальник кричит", "मेरा बॉस मुझ पर चिल्लाता है", "hello :) world", "👍"],
)
def test_other_scripts_are_tokenized_as_rasa_does(tokenizer, text):
    rasa = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    assert tokens(tokenizer, text) == tokens(rasa, text)


def test_segment_spaces_chinese_words_only():
    assert segment("我想举报") == "我 想 举报"
    assert segment("je veux signaler") == "je veux signaler"


def test_lemmas_lose_latin_accents_and_keep_hindi_vowel_signs(tokenizer):
    message = Message(data={"text": "Crié मीडिएशन مُدِير"})
    lemmas = [t.lemma for t in tokenizer.tokenize(message, "text")]
    assert lemmas == ["Crie", "मीडिएशन", "مدير"]
