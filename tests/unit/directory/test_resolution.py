"""Which post the user means: names in any language, typos, codes, phone numbers."""

from __future__ import annotations

import pytest

from bot.directory.files.importing import load_directory_files
from bot.directory.phones import country_from_phone, phone_from_sender
from bot.directory.records import Directory
from bot.directory.resolution import (
    EMPTY,
    NO_POST_IN_COUNTRY,
    NOT_A_PHONE_NUMBER,
    TOO_LONG,
    UNKNOWN,
    pick_post,
    resolve_country,
    resolve_post,
    resolve_sender,
)
from tests.support import ROOT

SEED = ROOT / "data" / "directory"


@pytest.fixture(scope="module")
def directory() -> Directory:
    loaded = load_directory_files([SEED])
    return Directory(loaded.posts, loaded.advisors)


def codes(resolution: object) -> list[str]:
    return [post.code for post in resolution.posts]


@pytest.mark.parametrize(
    ("answer", "post"),
    [
        ("Nairobi", "NAI"),
        ("Kopenhagen", "KOP"),  # nl
        ("Copenhague", "KOP"),  # fr
        ("Le Caire", "KAI"),
        ("القاهرة", "KAI"),
        ("Lisboa", "LIS"),
        ("Moskau", "MOS"),
        ("Pékin", "PEK"),
        ("pekin", "PEK"),  # accents optional
        ("Marokko", "RAB"),  # a country with one post
        ("Maroc", "RAB"),
        ("المغرب", "RAB"),
        ("بالرباط", "RAB"),  # 'in Rabat', article and preposition written onto the word
        ("Ivoorkust", "ABJ"),
        ("côte d'ivoire", "ABJ"),
    ],
)
def test_names_in_every_language(directory: Directory, answer: str, post: str) -> None:
    resolution = resolve_post(answer, directory)
    assert codes(resolution) == [post]
    assert resolution.exact


@pytest.mark.parametrize(
    ("answer", "post"),
    [
        ("nairboi", "NAI"),  # en
        ("Kopenhagn", "KOP"),  # nl
        ("Marocco", "RAB"),
        ("Marruceos", "RAB"),  # es
        ("le cair", "KAI"),  # fr
        ("Mosku", "MOS"),
        ("sao paolo", "SAO"),  # pt
        ("Dusseldorff", "DUS"),  # de
        ("الرباظ", "RAB"),  # ar
    ],
)
def test_typos_are_forgiven_but_not_exact(directory: Directory, answer: str, post: str) -> None:
    resolution = resolve_post(answer, directory)
    assert codes(resolution)[0] == post
    assert not resolution.exact  # the dialogue confirms: "Did you mean ...?"


@pytest.mark.parametrize(
    ("answer", "post"),
    [
        ("ankaradaki elçilik", "ANK"),  # Turkish writes the case ending onto the name
        ("lefkoşadaki büyükelçilik konutunda", "NIC"),
    ],
)
def test_a_name_with_a_case_ending(directory: Directory, answer: str, post: str) -> None:
    resolution = resolve_post(answer, directory)
    assert codes(resolution) == [post]
    assert not resolution.exact  # proposed, for the user to confirm


@pytest.mark.parametrize("answer", ["romantic dinner", "ankarasiyasetpolitikasi", "istanbullular"])
def test_an_ending_is_short_and_the_name_long(directory: Directory, answer: str) -> None:
    """'roma' is too short to carry an ending; a word much longer than a name is another word."""
    assert not resolve_post(answer, directory).found


def test_a_misspelt_city_is_the_city_not_another_spelling_with_an_ending(
    directory: Directory,
) -> None:
    # 'dakkar' starts with 'Dakka' (Dhaka in Russian and Turkish) but is Dakar misspelt.
    resolution = resolve_post("dakkar", directory)
    assert codes(resolution) == ["DAK"]
    assert not resolution.exact


@pytest.mark.parametrize(
    ("answer", "post"),
    [("ubalozi wa dar", "DAR"), ("embassy in rio", "RIO")],
)
def test_a_short_name_ends_a_short_answer(directory: Directory, answer: str, post: str) -> None:
    assert codes(resolve_post(answer, directory)) == [post]


@pytest.mark.parametrize(
    ("answer", "post"),
    [("istanbul, turkey", "IST"), ("استانبول، ترکیه", "IST"), ("中国上海", "SHA")],
)
def test_a_city_with_its_country_is_that_city(directory: Directory, answer: str, post: str) -> None:
    resolution = resolve_post(answer, directory)
    assert codes(resolution) == [post]
    assert resolution.exact


def test_a_three_letter_devanagari_name_counts_inside_a_sentence(directory: Directory) -> None:
    assert codes(resolve_post("मेरी पोस्ट कतर में है", directory)) == ["DOH"]
    # Arabic 'كيف' (how) is also Kyiv: short words in other scripts stay no names.
    assert resolve_post("كيف اقدر اكلم مستشار", directory).problem == "unknown"


def test_a_short_word_in_a_sentence_is_no_name(directory: Directory) -> None:
    # 'dar' is Portuguese for 'to give' and Swahili for Dar es Salaam.
    assert codes(resolve_post("quero dar queixa sobre o meu chefe em lisboa", directory)) == ["LIS"]


def test_a_name_inside_a_sentence(directory: Directory) -> None:
    assert codes(resolve_post("I work at the embassy in Nairobi", directory)) == ["NAI"]
    assert codes(resolve_post("je travaille à l'ambassade de Dakar", directory)) == ["DAK"]
    assert codes(resolve_post("أعمل في السفارة في عمان", directory)) == ["AMM", "MUS"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Brasil", ["BRA", "RIO", "SAO"]),  # a country with three posts, embassy first
        ("Den Haag", ["HQ", "OPCW"]),
        ("New York", ["NYC", "NYV"]),
        ("عمان", ["AMM", "MUS"]),  # Amman and Oman are written alike in Arabic
        ("Kazakhstan", ["AST", "ALM"]),
    ],
)
def test_ambiguous_answers_offer_every_candidate(
    directory: Directory, answer: str, expected: list[str]
) -> None:
    resolution = resolve_post(answer, directory)
    assert resolution.ambiguous
    assert codes(resolution) == expected


def test_post_codes_and_headquarters_units(directory: Directory) -> None:
    assert codes(resolve_post("NAI", directory)) == ["NAI"]
    assert codes(resolve_post(" nai ", directory)) == ["NAI"]
    assert codes(resolve_post("BRE-PSC", directory)) == ["BRE-PSC"]
    assert codes(resolve_post("DJZ", directory)) == ["HQ"]  # a department at HQ
    assert codes(resolve_post("I am at HDPO", directory)) == ["HQ"]


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("", EMPTY),
        ("   ", EMPTY),
        ("🙂", EMPTY),
        ("🇲🇦🇲🇦", EMPTY),
        ("?!…", EMPTY),
        ("x" * 5000, TOO_LONG),
        ("Nairobi " * 700, TOO_LONG),
        ("Springfield", UNKNOWN),
        ("yes", UNKNOWN),
        ("I don't know", UNKNOWN),
    ],
)
def test_bad_answers_get_a_problem_not_a_crash(
    directory: Directory, answer: str, problem: str
) -> None:
    resolution = resolve_post(answer, directory)
    assert resolution.candidates == ()
    assert resolution.problem == problem


def test_not_text_at_all(directory: Directory) -> None:
    assert resolve_post(None, directory).problem == EMPTY
    assert resolve_post(12, directory).problem == EMPTY


def test_picking_from_the_offered_candidates(directory: Directory) -> None:
    offered = resolve_post("Brasil", directory).posts
    assert pick_post("2", offered, directory).code == offered[1].code
    assert pick_post("Sao Paulo", offered, directory).code == "SAO"
    assert pick_post("rio", offered, directory).code == "RIO"
    assert pick_post("7", offered, directory) is None
    assert pick_post("Berlin", offered, directory) is None
    assert pick_post("🙂", offered, directory) is None


@pytest.mark.parametrize(
    ("sender", "country", "posts"),
    [
        ("whatsapp:+212612345678", "MA", ["RAB"]),
        ("+33 6 12 34 56 78", "FR", ["PAR", "PAO", "PAU", "STR"]),
        ("whatsapp:+254712345678", "KE", ["NAI"]),
        ("+5511912345678", "BR", ["BRA", "RIO", "SAO"]),
        ("+819012345678", "JP", ["TOK", "OSA"]),
        ("sms:+2348031234567", "NG", ["BUJ", "LAG"]),
        ("+77011234567", "KZ", ["AST", "ALM"]),  # +7 is shared with Russia
        ("+17215421234", "SX", ["PHI"]),  # +1 is shared by many countries
        ("0031612345678", "NL", ["HQ", "OPCW"]),
        ("+٢١٢٦١٢٣٤٥٦٧٨", "MA", ["RAB"]),  # Arabic-Indic digits
    ],
)
def test_phone_numbers_propose_their_country(
    directory: Directory, sender: str, country: str, posts: list[str]
) -> None:
    resolution = resolve_sender(sender, directory)
    assert resolution.country == country
    assert sorted(codes(resolution)) == sorted(posts)
    assert codes(resolution)[0] == posts[0]  # the embassy first


@pytest.mark.parametrize("sender", ["+3546111234", "whatsapp:+9779812345678"])
def test_a_country_without_a_post(directory: Directory, sender: str) -> None:
    resolution = resolve_sender(sender, directory)
    assert resolution.candidates == ()
    assert resolution.problem == NO_POST_IN_COUNTRY
    assert resolution.country in ("IS", "NP")


@pytest.mark.parametrize(
    "sender",
    [
        "whatsapp:+999",
        "hello",
        "123456789",
        "+",
        "whatsapp:",
        "",
        None,
        "+1 000",
        "telegram:+32470123456",
        "+" + "9" * 40,
    ],
)
def test_no_phone_number_no_country(directory: Directory, sender: object) -> None:
    assert country_from_phone(sender) is None
    assert phone_from_sender(sender) is None
    assert resolve_sender(sender, directory).problem == NOT_A_PHONE_NUMBER


def test_a_typed_phone_number_counts_too(directory: Directory) -> None:
    assert codes(resolve_post("+254 712 345 678", directory)) == ["NAI"]


def test_the_phone_number_for_a_handoff_is_e164() -> None:
    assert phone_from_sender("whatsapp:+33 6 12 34 56 78") == "+33612345678"


def test_the_country_the_channel_found(directory: Directory) -> None:
    assert codes(resolve_country("ke", directory)) == ["NAI"]
    assert resolve_country("IS", directory).problem == NO_POST_IN_COUNTRY
    assert resolve_country(None, directory).candidates == ()
