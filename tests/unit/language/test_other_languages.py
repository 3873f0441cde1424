"""Messages in languages we do not speak get the unsupported-language answer, in any script
and however short when the letters already say so; languages that share a script with ours
are told apart from them, and Arabic written in Latin letters (Arabizi) is Arabic."""

from __future__ import annotations

import pytest

from bot.language.detection import (
    Detection,
    detection_from_parse,
    is_unsupported,
    next_conversation_language,
)


def _routed(message) -> bool:
    return message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    "text, code",
    [
        ("همکارم هر روز از من پول قرض می‌گیره و پس نمیده", "fa"),
        ("میشه لطفا بگید چطور شکایت کنم؟", "fa"),
        ("مجھے اپنے افسر سے بہت ڈر لگتا ہے", "ur"),
        ("میں نے کل دفتر میں ایک غلط کام ہوتے دیکھا", "ur"),
        ("زه غواړم له یو چا سره وغږېږم", "ps"),
        ("زما همکار راته ګواښ کوي", "ps"),
    ],
)
def test_persian_urdu_and_pashto_are_not_arabic(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert message.get("language")["supported"] is False
    assert _routed(message)


@pytest.mark.parametrize("text", ["مرسی", "چطوری؟", "شکریہ جی"])
def test_persian_and_urdu_letters_decide_even_a_word_or_two(parse, text: str):
    message = parse(text)
    assert message.get("language")["code"] in {"fa", "ur"}
    assert _routed(message)


@pytest.mark.parametrize(
    "text",
    [
        "مديري يهددني بالفصل إذا اشتكيت",
        "مرحبا، كيف أقدم شكوى؟",
        "شكرا",
        # Iraqi and Gulf Arabic borrow چ and گ; that does not make them Persian.
        "اريد احچي ويا احد",
        "اكو واحد يگدر يساعدني",
        "گلتله لا",
    ],
)
def test_arabic_stays_arabic(parse, text: str):
    message = parse(text)
    assert message.get("language")["code"] == "ar"
    assert not _routed(message)


@pytest.mark.parametrize(
    "text, code",
    [
        ("мене змушують працювати без вихідних", "uk"),
        ("я не знаю, куди звернутися", "uk"),
        ("колегата ми постоянно ме обижда пред всички", "bg"),
        ("не знам към кого да се обърна", "bg"),
        ("мој колега ме стално вређа пред свима", "sr"),
        ("хоћу да пријавим шефа", "sr"),
        ("мне угрожают увольнением, если я пожалуюсь", "ru"),
    ],
)
def test_cyrillic_languages_are_told_apart_and_none_is_ours(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert _routed(message)


@pytest.mark.parametrize(
    "text, code",
    [
        ("我不知道该找谁帮忙", "zh"),
        ("谢谢你", "zh"),  # three characters, no space: still a sentence
        ("有人吗", "zh"),
        ("助けてください", "ja"),
        ("도와주세요", "ko"),
        ("ช่วยด้วย", "th"),
        ("привет", "ru"),
    ],
)
def test_a_script_none_of_our_languages_uses_is_never_ours(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert message.get("language")["supported"] is False
    assert _routed(message)


@pytest.mark.parametrize("text, code", [("好", "zh"), ("네", "ko"), ("谢谢！！！", "zh")])
def test_one_letter_of_a_foreign_script_is_enough(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert _routed(message)


@pytest.mark.parametrize("text", ["¯\\_(ツ)_/¯", "ok 👍", "(ツ)"])
def test_an_emoticon_is_not_a_message_in_another_language(parse, text: str):
    assert not _routed(parse(text))


@pytest.mark.parametrize(
    "text",
    [
        "salam, ana 3ayez a3mel balagh",
        "mudiri bi9ayi9ni kol yom",
        "ana khayfa",
        "el modir beyza33a2 fiya",
        "3andi moshkla fel shoghl",
        "ma ba3ref shu a3mel",
    ],
)
def test_arabizi_is_arabic(parse, text: str):
    message = parse(text)
    assert message.get("language")["code"] == "ar"
    assert not _routed(message)


@pytest.mark.parametrize("text", ["jambo", "dankie", "ok", "merci"])
def test_one_latin_word_is_never_enough_to_refuse(parse, text: str):
    assert not _routed(parse(text))


def test_two_words_are_enough_when_the_language_is_clear(parse):
    assert _routed(parse("bardzo przepraszam"))
    assert not _routed(parse("oui merci"))
    assert not _routed(parse("hola amigo"))


def test_a_message_we_cannot_answer_never_sets_or_switches_the_language():
    chinese = Detection("zh", 0.99, 8, letters_not_ours=True)
    persian = Detection("fa", 0.97, 9, letters_not_ours=True)
    assert is_unsupported(chinese) and is_unsupported(persian)
    for current in (None, "en", "ar", "fr"):
        assert next_conversation_language(current, chinese) is None
        assert next_conversation_language(current, persian) is None


def test_the_letters_decide_however_short_the_message():
    assert is_unsupported(Detection("zh", 0.5, 1, letters_not_ours=True))
    assert not is_unsupported(Detection("pl", 0.95, 1))
    assert is_unsupported(Detection("pl", 0.95, 2))
    assert not is_unsupported(Detection("pl", 0.7, 2))


@pytest.mark.parametrize(
    "text, code",
    [
        ("mujhe aap ki madad chahiye", "ur"),
        ("mujhe shikayat karni hai", "ur"),
        ("salam, man mikham ye chizi gozaresh bedam", "fa"),
    ],
)
def test_urdu_and_persian_in_latin_letters_are_not_ours(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert _routed(message)


def test_arabizi_switches_a_conversation_to_arabic_and_a_short_message_does_not(parse):
    long = parse("salam, ana 3ayez a3mel balagh")
    short = parse("ana khayfa")
    assert next_conversation_language("en", _detection(long)) == "ar"
    assert next_conversation_language("en", _detection(short)) is None  # two words: too short
    assert next_conversation_language(None, _detection(short)) == "ar"


def _detection(message) -> Detection:
    return detection_from_parse(message.get("language"), message.get("text"))
