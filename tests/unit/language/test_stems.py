"""Stems are found the same way by every word list (bot/language/stems.py): at the start of
a word, also behind an attached Arabic prefix or an elided French article; stems of several
words as they stand; and, where asked, only as whole words."""

from __future__ import annotations

from bot.content.behaviour import BehaviourLexicon
from bot.forms.interruptions import begins_one_of
from bot.language.stems import forms_of, has_stem


def _found(stem: str, text: str, whole_word: bool = False) -> bool:
    return has_stem(stem, f" {text} ", forms_of(text), whole_word)


def test_a_stem_begins_a_word_or_its_form_without_a_prefix():
    assert _found("احذف", "احذفها من فضلك")
    assert _found("احذف", "واحذفها")  # "and delete it"
    assert _found("تحرش", "والتحرش في العمل")
    assert _found("argent", "il demande de l'argent")
    assert not _found("احذف", "حذف")
    assert not _found("verwijder", "ik wil dat het weg is")


def test_a_stem_of_several_words_stands_as_written_and_a_whole_word_alone():
    assert _found("mijn gegevens", "wis mijn gegevens")
    assert not _found("mijn gegevens", "wis mijngegevens")
    assert _found("veu", "veu", whole_word=True)
    assert not _found("veu", "je veux", whole_word=True)


def test_the_forms_and_the_kinds_of_behaviour_read_arabic_prefixes_alike():
    assert begins_one_of("واحذف كل شيء", ["احذف"])
    lexicon = BehaviourLexicon({"ar": {"sexual_harassment": ["تحرش"]}})
    assert lexicon.classify("والتحرش مستمر", "ar") == "sexual_harassment"
