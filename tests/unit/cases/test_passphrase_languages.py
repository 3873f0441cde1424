"""A passphrase the reporter can read and type back in their own script: their language's
words, or five groups of digits where the language has no word list; never another
language's words, and never mistaken for the 16-digit receipt code."""

from __future__ import annotations

import re

import pytest

from bot.cases import receipts
from bot.language.catalogue import SUPPORTED_LANGUAGES


def test_english_passphrases_are_five_english_words():
    words = set(receipts.load_words(receipts.WORD_LIST))
    passphrase = receipts.new_passphrase(language="en")
    assert len(passphrase.split()) == 5 and set(passphrase.split()) <= words


WITHOUT_WORDS = [c for c in SUPPORTED_LANGUAGES if receipts.word_list(c) is None]


def test_only_english_has_a_word_list_so_far():
    assert WITHOUT_WORDS == [c for c in SUPPORTED_LANGUAGES if c != "en"]


@pytest.mark.parametrize("language", WITHOUT_WORDS)
def test_a_language_without_a_word_list_gets_digits_not_english_words(language):
    passphrase = receipts.new_passphrase(language=language)
    assert re.fullmatch(r"\d{3} \d{3} \d{3} \d{3} \d{3}", passphrase), passphrase
    assert receipts.is_passphrase(passphrase)
    assert receipts.parse_code(passphrase) is None  # fifteen digits: never the receipt code


def test_digits_are_read_back_however_they_are_typed():
    stored = receipts.hash_passphrase("482 093 755 126 604")
    typed_ways = (
        "482093755126604",
        "482-093-755-126-604",
        "٤٨٢ ٠٩٣ ٧٥٥ ١٢٦ ٦٠٤",
        "४८२ ०९३ ७५५ १२६ ६०४",
    )
    for typed in typed_ways:
        assert receipts.verify_passphrase(typed, stored), typed
    assert not receipts.verify_passphrase("482 093 755 126 605", stored)


def test_a_digits_passphrase_is_recognised_only_whole():
    assert receipts.is_passphrase("482 093 755 126 604")
    assert not receipts.is_passphrase("482 093 755 126")  # four groups
    assert not receipts.is_passphrase("call me at 482 093 755 126 604")  # words around it
    assert not receipts.is_passphrase("4821 0937 5512 6604")  # a receipt code
