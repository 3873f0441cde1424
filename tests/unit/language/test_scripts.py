"""What the letters say before any model: scripts, words in scripts without spaces, the
letters of Persian, Urdu, Pashto and of the Cyrillic languages, and Arabizi digits."""

from __future__ import annotations

import pytest

from bot.language.scripts import (
    arabic_script_language,
    arabizi_words,
    count_words,
    cyrillic_language,
    letters_of,
)
from bot.language.text import clean_text


def test_clean_text_keeps_arabizi_digits_and_drops_numbers():
    assert clean_text("Salam, ana 3ayez a3mel balagh!") == "salam ana 3ayez a3mel balagh"
    assert clean_text("call +31 70 1234 on the 2nd floor at 5pm") == "call on the nd floor at pm"
    assert clean_text("¯\\_(ツ)_/¯") == "ツ"


@pytest.mark.parametrize(
    "text, words",
    [("我怕丢掉工作", 3), ("谢谢", 1), ("你好，有人吗？", 3), ("ok 👍", 1), ("доброе утро", 2)],
)
def test_words_of_scripts_written_without_spaces(text: str, words: int):
    assert count_words(clean_text(text)) == words


def test_the_script_of_a_message():
    # Whether a script is ours depends on data/languages.yml: Korean and Thai are no one's.
    assert letters_of(clean_text("제 상사가 매일 소리를 질러요")).foreign
    assert letters_of(clean_text("หัวหน้าตะโกนใส่ฉันทุกวัน")).foreign
    assert not letters_of(clean_text("مديري يصرخ علي")).foreign
    assert letters_of(clean_text("有个同事在 WhatsApp 上骚扰我")).script == "CJK"
    assert letters_of(clean_text("my boss محمد shouts")).script == "LATIN"


@pytest.mark.parametrize(
    "text, code",
    [
        ("رئیسم هر روز سرم داد می‌زند", "fa"),
        ("میرا باس روزانہ مجھ پر چلاتا ہے", "ur"),
        ("زما مشر هره ورځ په ما چیغې وهي", "ps"),
        ("مديري يصرخ علي أمام الجميع", None),
        ("اريد احچي ويا احد", None),  # Iraqi: a borrowed چ among Arabic letters
        ("گلتله لا", None),  # one borrowed letter is not enough
        ("سلام", None),  # no evidence either way: the models decide
    ],
)
def test_letters_that_arabic_does_not_use(text: str, code: str | None):
    assert arabic_script_language(clean_text(text)) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("мій керівник кричить", "uk"),
        ("дякую за допомогу, і все", "uk"),
        ("шефът ми крещи всеки ден", "bg"),
        ("хвала, ћао", "sr"),
        ("мој шеф виче", "sr"),
        ("мой начальник кричит на меня, это ужасно", "ru"),  # э: Ukrainian has none
        ("мы не знаем, что делать", "ru"),  # ы
        ("мій керівник кричить, ты понимаешь", None),  # both: the models decide
        ("добрий день", None),  # could be either: the models decide
        ("сәлеметсіз бе, менің бастығым күнде маған айқайлайды", "kk"),  # і, yet not Ukrainian
        ("бастығым маған айқайлайды", "kk"),
        ("раҳмат, ман намедонам чӣ кор кунам", "tg"),
        ("менин башчым мага кыйкырат, эмне кылышым керек, өтө жаман", "ky"),
    ],
)
def test_cyrillic_letters_that_russian_does_not_use(text: str, code: str | None):
    assert cyrillic_language(clean_text(text)) == code


@pytest.mark.parametrize(
    "text, count",
    [
        ("ana 3ayez a3mel balagh", 2),
        ("mudiri bi9ayi9ni kol yom", 1),
        ("7aga mohemma", 1),
        ("see you on the 2nd, 3rd or 5th", 0),
        ("gr8 see u 2morrow", 0),
        ("I live at 5a, room 2b", 0),
    ],
)
def test_arabizi_words(text: str, count: int):
    assert arabizi_words(clean_text(text)) == count
