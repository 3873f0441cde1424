"""The answers say only what the ministry's documents support (docs/content-sources.md).

Claims that a review against the sources found too strong, in the words each language used
for them; none may come back in any text, button or phrase. What the sources only announce
(the external reporting point, a coordinating confidential advisor) is configuration, with
the honest wording by default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.contacts import STATUSES, Contacts, load_contacts
from bot.content.rendering import Renderer
from bot.content.store import Content, ContentStore, load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES

# Lower-case fragments of the claims that must never return.
NEVER: dict[str, tuple[str, ...]] = {
    "en": (
        "only the integrity coordinator reads",
        "only the coordinator reads",
        "never has consequences",
        "nothing is stored",
        "nothing from this report has been stored",
        "no action without your consent",
        "does nothing without your consent",
        "can sometimes show",
        "for anyone who prefers",
        "what you describe can be a form of",
    ),
    "nl": (
        "alleen de integriteitscoördinator leest",
        "heeft nooit nadelige gevolgen",
        "er is niets van deze melding bewaard",
        "de coördinerend vertrouwenspersoon",
    ),
    "fr": (
        "seul le coordinateur",
        "n'a jamais de conséquences",
        "rien de ce signalement n'a été conservé",
        "détaché",
    ),
    "es": (
        "solo el coordinador de integridad lee",
        "nunca tiene consecuencias",
        "no se ha guardado nada",
    ),
    "de": (
        "nur der integritätskoordinator liest",
        "nie nachteile",
        "nichts aus dieser meldung wurde gespeichert",
    ),
    "pt": (
        "só o coordenador de integridade lê",
        "nunca traz consequências",
        "nada desta denúncia foi guardado",
    ),
    "ar": ("وحده يقرأ", "لا يترتب على البلاغ أبدًا", "لم يُحفظ أي شيء", "مستشار سري", "مستشار سرّي"),
    "ru": ("читает только координатор", "никогда не имеет последствий", "ничего не сохранено"),
    "uk": ("читає лише координатор", "ніколи не має наслідків", "нічого не збережено"),
    "zh": ("只有协调员", "绝不会有任何后果", "没有保存任何"),
    "tr": ("yalnızca koordinatör okur", "asla sonuç doğurmaz", "hiçbir şey kaydedilmedi"),
    "id": ("hanya koordinator", "tidak pernah berdampak", "tidak ada yang disimpan"),
    "fa": ("فقط هماهنگ‌کننده", "هیچ پیامدی ندارد", "مشاور محرمانه"),
    "sw": ("anayesoma ni mratibu peke yake", "haina madhara kamwe", "hakuna kilichohifadhiwa"),
    "hi": ("सिर्फ़ इंटीग्रिटी कोऑर्डिनेटर पढ़", "कभी कोई बुरा असर नहीं पड़ता", "कुछ भी सेव नहीं हुआ"),
}
# The configured texts' placeholders: no answer names these points except through them.
CONFIGURED = {"external_reporting_point": "external_reporting_point_text"}


@pytest.fixture(scope="module")
def content(root: Path) -> Content:
    return load_content(root / "data" / "content")


def _texts(content: Content, language: str) -> list[tuple[str, str]]:
    found = []
    for name, response in content.responses[language].items():
        found += [(name, response.text), (name, response.sms or "")]
        found += [(name, button.title) for button in response.buttons]
    found += list(content.phrases[language].items())
    return found


def test_every_language_has_its_list_of_claims_that_must_not_return():
    assert set(SUPPORTED_LANGUAGES) <= set(NEVER)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_text_makes_a_claim_the_sources_do_not_support(content, language):
    made = [
        (name, claim)
        for name, text in _texts(content, language)
        for claim in NEVER[language]
        if claim in text.lower()
    ]
    assert made == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_an_announced_point_is_named_only_through_its_configured_text(content, language):
    for name, response in content.responses[language].items():
        for contact in CONFIGURED:
            assert "{" + contact + "}" not in response.text, (name, contact)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_configured_state_has_its_wording(content, language):
    for key, states in STATUSES.items():
        name = key.removesuffix("_status")
        for state in states:
            assert (content.phrases[language].get(f"{name}_{state}") or "").strip(), (key, state)


def _renderer(root: Path, **statuses: str) -> Renderer:
    contacts = load_contacts(root / "contacts.yml")
    values = {**contacts.values, **statuses}
    configured = Contacts(values=values, demo=contacts.demo, crisis_lines=contacts.crisis_lines)
    return Renderer(ContentStore(root / "data" / "content"), configured, {"en": "English"})


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_external_reporting_point_is_open_only_when_configured_so(root, language):
    contacts = load_contacts(root / "contacts.yml")
    address = contacts.values["external_reporting_point"]
    announced = _renderer(root).render("utter_external", language, "rest")
    opened = _renderer(root, external_reporting_point_status="open").render(
        "utter_external", language, "rest"
    )
    assert announced and opened
    assert (
        address not in announced["text"]
        and contacts.values["coordinator_email"] in (announced["text"])
    )
    assert address in opened["text"]


def test_the_defaults_are_what_the_sources_say(root: Path):
    contacts = load_contacts(root / "contacts.yml")
    assert contacts.values["external_reporting_point_status"] == "announced"
    assert contacts.values["coordinating_advisor_status"] == "considered"


def test_an_unknown_state_is_refused_when_the_contacts_are_loaded(tmp_path: Path, root: Path):
    text = (root / "contacts.yml").read_text(encoding="utf-8")
    path = tmp_path / "contacts.yml"
    key = "external_reporting_point_status"
    live = re.sub(rf"(?m)^{key}: .*$", f"{key}: live", text)
    path.write_text(live, encoding="utf-8")
    with pytest.raises(ValueError, match="external_reporting_point_status"):
        load_contacts(path)


# Who else reads a report, and how often it shows who reported, in each language's words.
WHO_READS: dict[str, tuple[str, str]] = {
    "en": ("secretary-general", "often"),
    "nl": ("secretaris-generaal", "vaak"),
    "fr": ("secrétaire général", "souvent"),
    "es": ("secretario general", "a menudo"),
    "de": ("generalsekretär", "oft"),
    "pt": ("secretário-geral", "muitas vezes"),
    "ar": ("الأمين العام", "كثيرًا ما"),
    "ru": ("генеральным секретарем", "часто"),
    "uk": ("генеральним секретарем", "часто"),
    "zh": ("秘书长", "往往"),
    "tr": ("genel sekreter", "çoğu zaman"),
    "fa": ("دبیرکل", "اغلب"),
    "sw": ("katibu mkuu", "mara nyingi"),
    "hi": ("महासचिव", "अक्सर"),
    "id": ("sekretaris jenderal", "sering kali"),
}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("name", ["utter_ask_report_involved", "utter_report_summary"])
def test_before_names_are_given_and_before_sending_the_reporter_learns_who_reads_it(
    content, language, name
):
    text = content.responses[language][name].text.lower()
    for words in WHO_READS[language]:
        assert words in text, (language, name, words)


# The answers to what local staff ask about the procedure (issue 15).
SOURCED = (
    "utter_manager_involved",
    "utter_withdraw",
    "utter_mediation",
    "utter_secretary_general",
    "utter_privacy",
    "utter_protection",
    "utter_process",
)
A_PERSON = {"/human_handoff", "/find_advisor"}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_each_answer_to_local_staff_says_where_it_comes_from_and_offers_a_person(content, language):
    # The word for "Source" is the language's own: the one its mediation answer ends with.
    source = content.responses[language]["utter_mediation"].text.strip().splitlines()[-1]
    word = source.replace("：", ":").split(":")[0].strip()  # Chinese writes a wide colon
    assert word and len(word) < 12, source
    for name in SOURCED:
        response = content.responses[language][name]
        assert response.text.strip().splitlines()[-1].startswith(word), (language, name)
        assert A_PERSON & {button.payload for button in response.buttons}, (language, name)
