"""Receipt codes and passphrases: what a reporter is given, and what they may type back."""

from __future__ import annotations

import math
import re

import pytest

from bot.cases import receipts


def test_a_code_has_sixteen_digits_shown_in_groups_of_four():
    codes = {receipts.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"\d{16}", code)
        shown = receipts.format_code(code)
        assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", shown)
        assert shown.replace(" ", "") == code


@pytest.mark.parametrize(
    "typed",
    [
        "4821 0937 5512 6604",
        "4821-0937-5512-6604",
        "4821093755126604",
        "  4821.0937.5512.6604 ",
        "4821 – 0937 — 5512 6604",
        "4821_0937/5512 6604",
        "my code is 4821 0937 5512 6604, thank you",
        "٤٨٢١ ٠٩٣٧ ٥٥١٢ ٦٦٠٤",
        "\u200f٤٨٢١-٠٩٣٧-٥٥١٢-٦٦٠٤\u200f",
        "۴۸۲۱ ۰۹۳۷ ۵۵۱۲ ۶۶۰۴",  # Persian digits
        "４８２１ ０９３７ ５５１２ ６６０４",  # full-width digits
    ],
)
def test_a_code_is_read_however_it_was_written_down(typed):
    assert receipts.parse_code(typed) == "4821093755126604"


@pytest.mark.parametrize(
    "typed",
    [
        "4821 0937 5512 660",  # a digit short
        "4821 0937 5512 66041",  # a digit too many
        "12 4821 0937 5512 6604",  # part of a longer number
        "4821 0937 5512 6604 and 1111 2222 3333 4444",  # two codes: which one?
        "",
        "\x00\x01\xff\xfe",
        "no code here",
    ],
)
def test_anything_else_is_not_a_code(typed):
    assert receipts.parse_code(typed) is None


def test_a_code_that_is_not_text_is_not_a_code():
    assert receipts.parse_code(b"4821093755126604") is None  # type: ignore[arg-type]
    assert receipts.parse_code(None) is None  # type: ignore[arg-type]


def test_the_word_list_is_typeable_and_large_enough():
    words = receipts.load_words()
    assert len(set(words)) == len(words)
    assert all(re.fullmatch(r"[a-z]{3,7}", word) for word in words), "lowercase ASCII only"
    # Five words must carry at least 50 bits.
    assert receipts.PASSPHRASE_WORDS * math.log2(len(words)) >= 50


def test_a_passphrase_is_five_words_from_the_list_and_differs_each_time():
    words = set(receipts.load_words())
    phrases = {receipts.new_passphrase() for _ in range(100)}
    assert len(phrases) == 100
    for phrase in phrases:
        parts = phrase.split(" ")
        assert len(parts) == 5
        assert set(parts) <= words


def test_only_a_salted_slow_hash_of_the_passphrase_is_kept():
    phrase = "maple tunnel quiz pebble orbit"
    first, second = receipts.hash_passphrase(phrase), receipts.hash_passphrase(phrase)
    assert first != second, "a salt per case"
    for stored in (first, second):
        assert "maple" not in stored
        scheme, n, r, p, _salt, _hash = stored.split("$")
        assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 1)
        assert receipts.verify_passphrase(phrase, stored)


@pytest.mark.parametrize(
    "typed",
    [
        "Maple Tunnel Quiz Pebble Orbit",
        "maple-tunnel-quiz-pebble-orbit",
        " maple,tunnel  quiz.pebble orbit ",
    ],
)
def test_the_passphrase_is_accepted_with_any_case_and_separators(typed):
    stored = receipts.hash_passphrase("maple tunnel quiz pebble orbit")
    assert receipts.verify_passphrase(typed, stored)


@pytest.mark.parametrize(
    "typed",
    [
        "maple tunnel quiz pebble",
        "maple tunnel quiz pebble orbits",
        "orbit pebble quiz tunnel maple",
        "",
    ],
)
def test_a_different_passphrase_is_refused(typed):
    stored = receipts.hash_passphrase("maple tunnel quiz pebble orbit")
    assert not receipts.verify_passphrase(typed, stored)


def test_a_damaged_stored_hash_refuses_instead_of_crashing():
    assert not receipts.verify_passphrase("maple tunnel quiz pebble orbit", "not a hash")
    assert not receipts.verify_passphrase("x", "bcrypt$1$2$3$AAAA$BBBB")


def test_the_code_is_found_by_a_keyed_hash_that_does_not_show_it():
    code = "4821093755126604"
    digest = receipts.code_digest(code, b"key one")
    assert code not in digest and len(digest) == 64
    assert digest == receipts.code_digest(code, b"key one")
    assert digest != receipts.code_digest(code, b"key two"), "useless without the key"


@pytest.mark.parametrize(
    "typed, drawn",
    [
        ("river bridge jump rope lamp", True),
        ("River-Bridge, jump rope.LAMP", True),  # however typed
        ("river bridge jump rope", False),  # four words
        ("i want to jump from the bridge", False),  # said, not drawn from the list
        ("", False),
    ],
)
def test_a_passphrase_is_recognised_by_its_words(typed, drawn):
    assert receipts.is_passphrase(typed) is drawn
