"""The behaviour lexicons name the kind of a story told in the user's own words."""

from __future__ import annotations

import pytest

from bot.content.behaviour import load_behaviour_lexicon
from tests.support import ROOT

LEXICON = load_behaviour_lexicon(ROOT / "data" / "behaviour")


@pytest.mark.parametrize(
    ("language", "story"),
    [
        ("es", "mi jefe me pide dinero para renovar mi contrato"),
        ("en", "my manager asked me for money to renew my contract"),
        ("nl", "mijn chef vraagt geld om mijn contract te verlengen"),
        ("fr", "mon chef me demande de l'argent pour renouveler mon contrat"),
        ("de", "mein Chef will Geld, damit mein Vertrag verlängert wird"),
        ("pt", "o meu chefe pede-me dinheiro para renovar o meu contrato"),
        ("ar", "مديري يطلب مني فلوس لتجديد عقدي"),
    ],
)
def test_money_asked_for_a_contract_is_fraud_or_corruption(language: str, story: str):
    assert LEXICON.classify(story, language) == "fraud"


@pytest.mark.parametrize(
    ("language", "story", "kind"),
    [
        ("es", "mi jefe me grita delante de todos", "intimidation"),
        ("en", "my colleagues laugh at me and leave me out", "bullying"),
        ("nl", "ik krijg nooit een antwoord op mijn vraag", None),
    ],
)
def test_other_stories_keep_their_kind(language: str, story: str, kind: str | None):
    assert LEXICON.classify(story, language) == kind


@pytest.mark.parametrize(
    ("language", "wish"),
    [
        ("fr", "je veux faire un signalement contre mon chef"),  # "veu" is Portuguese for veil
        ("en", "I want to report my boss"),
        ("nl", "ik wil iets melden over mijn leidinggevende"),
    ],
)
def test_a_wish_to_report_names_no_kind_through_another_languages_short_stem(
    language: str, wish: str
):
    assert LEXICON.classify(wish, language) is None


def test_another_languages_whole_word_still_names_the_kind():
    # People mix languages: a Spanish word in a Dutch sentence still counts.
    assert LEXICON.classify("mijn baas zegt dat hij me gaat despedir, puro chantaje", "nl") == (
        "intimidation"
    )


@pytest.mark.parametrize(
    ("story", "kind"),
    [
        (
            "wa7ed yfatesh fi malafat el mowadafeen w yenshurha fi group el whatsapp",
            "misuse_of_information",
        ),
        ("el modir yetlob rashwa 3ashan yjadded el 3a2d", "fraud"),
        ("zamili bit7arash biya kol yom", "sexual_harassment"),
        ("el modir beyetharash biya", "sexual_harassment"),  # "h" for "7", as many type it
        ("el modir byhadded yetradni", "intimidation"),
        ("el mas2oul bystaghel solto w ya5od 3arabeyet el sefara", "misuse_of_power"),
        ("kol el zomala2 bytnamaro 3alaya", "bullying"),
    ],
)
def test_a_story_in_arabizi_names_its_kind(story: str, kind: str):
    # Local staff write Arabic in Latin letters on WhatsApp.
    assert LEXICON.classify(story, "ar") == kind
