"""The lexicon favours, on a short message, the languages whose training data writes the most
of its words, and says nothing when too many do or the message is long."""

from __future__ import annotations

from pathlib import Path

from bot.language.lexicon import Lexicon

LINES = [
    "__label__tr evt tamam",
    "__label__tr hadi bakalim",
    "__label__sw hadi kesho",
    "__label__sw jambo sawa",
    "__label__id iya boleh",
    "__label__ms boleh saya tanya",
    "__label__en ok thanks",
    "__label__de ok danke",
    "__label__nl ok dank je",
    "__label__fr ok merci",
    "not a training line",
]


def test_a_word_one_language_writes_favours_it():
    lexicon = Lexicon.from_training_lines(LINES)
    assert lexicon.favoured("evt") == {"tr"}
    assert lexicon.favoured("evt hadi") == {"tr"}  # Turkish writes both, Swahili one


def test_words_several_languages_write_favour_those_that_write_the_most():
    lexicon = Lexicon.from_training_lines(LINES)
    assert lexicon.favoured("hadi") == {"tr", "sw"}
    assert lexicon.favoured("iya boleh") == {"id"}
    assert lexicon.favoured("boleh") == {"id", "ms"}
    assert lexicon.favoured("boleh", max_languages=1) == set()


def test_a_word_too_many_languages_write_says_nothing():
    lexicon = Lexicon.from_training_lines(LINES)
    assert lexicon.favoured("ok") == set()  # en, de, nl, fr


def test_unknown_words_and_long_messages_say_nothing():
    lexicon = Lexicon.from_training_lines(LINES)
    assert lexicon.favoured("xyzzy") == set()
    assert lexicon.favoured("") == set()
    assert lexicon.favoured("evt evt tamam tamam") == set()  # four words: not short


def test_the_lexicon_is_saved_with_the_model_and_an_old_model_has_none(tmp_path: Path):
    Lexicon.from_training_lines(LINES).save(tmp_path / "lexicon.json")
    assert Lexicon.load(tmp_path / "lexicon.json").favoured("hadi") == {"tr", "sw"}
    assert Lexicon.load(tmp_path / "missing.json").favoured("hadi") == set()


def test_a_stretched_word_is_read_as_the_word():
    lexicon = Lexicon.from_training_lines(LINES)
    assert lexicon.favoured("jamboooo") == {"sw"}  # runs cut to one
    assert lexicon.favoured("sawaaa") == {"sw"}
    assert lexicon.favoured("tamaaam evt") == {"tr"}
    assert lexicon.favoured("okkk") == set()  # still written by too many languages
    assert lexicon.favoured("xyyyz") == set()
