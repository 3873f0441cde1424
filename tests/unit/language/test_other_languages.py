"""Messages in languages we do not speak get the unsupported-language answer, in any script
and however short when the letters already say so; languages that share a script with ours
are told apart from them (Urdu and Pashto from Persian and Arabic, Bulgarian and Serbian
from Russian and Ukrainian, Nepali and Marathi from Hindi, Malay from Indonesian), and
Arabic written in Latin letters (Arabizi) is Arabic."""

from __future__ import annotations

import pytest

from bot.language.conversation import (
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
        ("مجھے اپنے افسر سے بہت ڈر لگتا ہے", "ur"),
        ("میں نے کل دفتر میں ایک غلط کام ہوتے دیکھا", "ur"),
        ("زه غواړم له یو چا سره وغږېږم", "ps"),
        ("زما همکار راته ګواښ کوي", "ps"),
    ],
)
def test_urdu_and_pashto_are_neither_arabic_nor_persian(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert message.get("language")["supported"] is False
    assert _routed(message)


@pytest.mark.parametrize(
    "text",
    ["همکارم هر روز از من پول قرض می‌گیره و پس نمیده", "میشه لطفا بگید چطور شکایت کنم؟", "مرسی"],
)
def test_persian_is_ours_and_not_arabic(parse, text: str):
    message = parse(text)
    assert message.get("language")["code"] == "fa"
    assert not _routed(message)


def test_urdu_letters_decide_even_a_word_or_two(parse):
    message = parse("شکریہ جی")
    assert message.get("language")["code"] == "ur"
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
        ("мне угрожают увольнением, если я пожалуюсь", "ru"),
        ("привет", "ru"),
    ],
)
def test_ukrainian_and_russian_are_told_apart(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert message.get("language")["supported"] is True


@pytest.mark.parametrize(
    "text, code",
    [
        ("колегата ми постоянно ме обижда пред всички", "bg"),
        ("не знам към кого да се обърна", "bg"),
        ("мој колега ме стално вређа пред свима", "sr"),
        ("хоћу да пријавим шефа", "sr"),
    ],
)
def test_other_cyrillic_languages_are_not_ours(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert _routed(message)


@pytest.mark.parametrize("text", ["我不知道该找谁帮忙", "谢谢你", "有人吗", "好"])
def test_chinese_is_ours_however_short(parse, text: str):
    message = parse(text)
    assert message.get("language")["code"] == "zh"
    assert not _routed(message)


@pytest.mark.parametrize(
    "text, code",
    [("助けてください", "ja"), ("도와주세요", "ko"), ("ช่วยด้วย", "th"), ("네", "ko")],
)
def test_a_script_none_of_our_languages_uses_is_never_ours(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert message.get("language")["supported"] is False
    assert _routed(message)


@pytest.mark.parametrize(
    "text, code, ours",
    [
        ("मुझे मदद चाहिए, मेरा बॉस मुझ पर चिल्लाता है", "hi", True),
        ("मलाई मद्दत चाहियो, मेरो हाकिम मलाई गाली गर्छ", "ne", False),
        ("मला मदत हवी आहे, माझा साहेब माझ्यावर ओरडतो", "mr", False),
        ("saya mau lapor, bos saya sering marah-marah ke saya", "id", True),
        ("saya nak buat aduan pasal bos saya, boleh tak", "ms", False),
    ],
)
def test_languages_sharing_a_script_are_told_apart(parse, text: str, code: str, ours: bool):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert _routed(message) is not ours


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


@pytest.mark.parametrize("text", ["dankie", "ok", "merci", "grazie"])
def test_one_latin_word_is_never_enough_to_refuse(parse, text: str):
    assert not _routed(parse(text))


def test_two_words_are_enough_when_the_language_is_clear(parse):
    assert _routed(parse("bardzo przepraszam"))
    assert not _routed(parse("oui merci"))
    assert not _routed(parse("hola amigo"))


def test_a_message_we_cannot_answer_never_sets_or_switches_the_language():
    japanese = Detection("ja", 0.99, 8, letters_not_ours=True)
    urdu = Detection("ur", 0.97, 9, letters_not_ours=True)
    assert is_unsupported(japanese) and is_unsupported(urdu)
    for current in (None, "en", "ar", "fr", "fa"):
        assert next_conversation_language(current, japanese) is None
        assert next_conversation_language(current, urdu) is None


def test_the_letters_decide_however_short_the_message():
    assert is_unsupported(Detection("ko", 0.5, 1, letters_not_ours=True))
    assert not is_unsupported(Detection("pl", 0.95, 1))
    assert is_unsupported(Detection("pl", 0.95, 2))
    assert not is_unsupported(Detection("pl", 0.7, 2))


@pytest.mark.parametrize(
    "text, code",
    [
        ("mujhe aap ki madad chahiye", "hi"),
        ("mujhe shikayat karni hai", "hi"),
        ("salam, man mikham ye chizi gozaresh bedam", "fa"),
    ],
)
def test_hindi_and_persian_in_latin_letters_are_ours(parse, text: str, code: str):
    message = parse(text)
    assert message.get("language")["code"] == code
    assert not _routed(message)


def test_arabizi_switches_a_conversation_to_arabic_and_a_short_message_does_not(parse):
    long = parse("salam, ana 3ayez a3mel balagh")
    short = parse("ana khayfa")
    assert next_conversation_language("en", _detection(long)) == "ar"
    assert next_conversation_language("en", _detection(short)) is None  # two words: too short
    assert next_conversation_language(None, _detection(short)) == "ar"


def _detection(message) -> Detection:
    return detection_from_parse(message.get("language"), message.get("text"))
