"""Rendering by language and channel, through the NLG Rasa really calls."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import runtime
from bot.content.contacts import Contacts
from bot.content.nlg import ContentNLG
from bot.content.rendering import LRI, PDI, RLM, Renderer
from bot.content.store import ContentStore, load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES

CHANNELS = ("rest", "socketio", "telegram", "twilio", "whatsapp", "cmdline")


def _tracker(slot: str | None = None, detected: str | None = None) -> DialogueStateTracker:
    events = []
    if slot:
        events.append(SlotSet("language", slot))
    parse = {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}
    if detected:
        parse["language"] = {"code": detected, "confidence": 0.9}
    events.append(UserUttered("...", parse_data=parse))
    return DialogueStateTracker.from_events("someone", events)


def _generate(name: str, tracker: DialogueStateTracker, channel: str = "rest", **kw) -> dict:
    return asyncio.run(ContentNLG().generate(name, tracker, channel, **kw))


def _english(name: str) -> str:
    return runtime.content_store().response(name, "en").text


def test_answers_in_the_conversation_language():
    reply = _generate("utter_greet", _tracker(slot="fr", detected="en"))
    assert reply["text"].startswith("Bonjour")
    assert [b["payload"] for b in reply["buttons"]][0] == "/share_experience"


def test_without_a_conversation_language_answers_in_the_detected_one():
    assert _generate("utter_greet", _tracker(detected="es"))["text"].startswith("Hola")


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_welcome_has_a_line_in_every_language_the_guessed_one_first(channel: str):
    store = runtime.content_store()
    reply = _generate("utter_welcome", _tracker(detected="hi"), channel)
    lines = reply["text"].split("\n")
    assert len(lines) == len(SUPPORTED_LANGUAGES)
    assert lines[0] == store.phrase("welcome_line", "hi")
    for code in SUPPORTED_LANGUAGES:
        line = store.phrase("welcome_line", code)
        assert line and "Veilig Melden" in line
        # Arabic and Persian lines read right to left whatever the first line's language.
        assert any(line.split()[-1] in shown for shown in lines), code
    assert [line for line in lines if line.startswith(RLM)] == [
        line for line in lines if re.search("[\u0600-\u06ff]", line)
    ]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_welcome_torn_between_a_few_languages_has_a_line_in_each_of_them(channel: str):
    store = runtime.content_store()
    reply = _generate(
        "utter_welcome", _tracker(detected="uk"), channel, welcome_languages=["uk", "ru"]
    )
    assert reply["text"].split("\n") == [
        store.phrase("welcome_line", "uk"),
        store.phrase("welcome_line", "ru"),
    ]


def test_welcome_lines_keep_their_own_direction_when_the_first_is_persian():
    store = runtime.content_store()
    reply = _generate("utter_welcome", _tracker(detected="fa"), welcome_languages=["ar", "fa"])
    persian, arabic = reply["text"].split("\n")
    assert persian.startswith(RLM) and not persian.startswith(RLM * 2)
    assert arabic.startswith(RLM) and arabic.count(LRI) == store.phrase("welcome_line", "ar").count(
        "Veilig Melden"
    )
    everyone = _generate("utter_welcome", _tracker(detected="fa"))["text"].split("\n")
    assert everyone[0].startswith(RLM)
    assert [line for line in everyone if line.startswith(RLM)] == [
        line for line in everyone if re.search("[\u0600-\u06ff]", line)
    ]


def test_unsupported_or_unknown_language_answers_in_english():
    assert _generate("utter_thank", _tracker(detected="ha"))["text"] == _english("utter_thank")
    assert _generate("utter_thank", _tracker())["text"] == _english("utter_thank")


def test_a_caller_can_name_the_language():
    reply = _generate("utter_thank", _tracker(slot="en"), language="de")
    assert reply["text"] == runtime.content_store().response("utter_thank", "de").text


def test_contact_details_come_from_configuration_and_demo_values_say_so():
    reply = _generate("utter_human_handoff", _tracker(slot="en"))
    assert "confidential-advisors.demo@example.org" in reply["text"]
    assert "{" not in reply["text"]
    assert reply["text"].endswith("(These are demo contact details, not real ones.)")


def test_channels_without_buttons_get_numbered_choices_and_keep_the_payloads():
    reply = _generate("utter_greet", _tracker(slot="en"), channel="whatsapp")
    lines = reply["text"].splitlines()
    assert "1. Something happened" in lines and "3. Talk to a person" in lines
    assert lines[-1] == "Reply with the number of your choice."
    assert [b["payload"] for b in reply["buttons"]] == [
        "/share_experience", "/ask_options", "/human_handoff",
    ]  # fmt: skip
    web = _generate("utter_greet", _tracker(slot="en"), channel="socketio")
    assert "1. Something happened" not in web["text"] and len(web["buttons"]) == 3


def test_sms_uses_the_short_variant_where_there_is_one(tmp_path: Path):
    folder = tmp_path / "en"
    folder.mkdir()
    (folder / "x.yml").write_text(
        "language: en\nutterances:\n  utter_x:\n    text: A long text for wide screens.\n"
        "    sms: Short.\n"
    )
    renderer = Renderer(ContentStore(tmp_path), Contacts({}, demo=False), {"en": "English"})
    assert renderer.render("utter_x", "en", "twilio")["text"] == "Short."
    assert renderer.render("utter_x", "en", "rest")["text"] == "A long text for wide screens."


def test_arabic_is_right_to_left_with_isolated_latin_runs():
    reply = _generate("utter_human_handoff", _tracker(slot="ar"))
    for line in filter(None, reply["text"].splitlines()):
        assert line.startswith(RLM)
    assert f"{LRI}confidential-advisors.demo@example.org{PDI}" in reply["text"]
    assert f"{LRI}+31 70 000 0100{PDI}" in reply["text"]


def test_a_latin_name_with_accents_is_one_isolated_run_in_arabic():
    # The language menu's buttons were split around the accent: "Fran", "ç", "ais".
    from bot.content.rendering import isolate_rtl

    assert isolate_rtl("Français أو Português") == f"{RLM}{LRI}Français{PDI} أو {LRI}Português{PDI}"


def test_behaviour_is_filled_into_the_acknowledgement():
    reply = _generate(
        "utter_acknowledge_experience", _tracker(slot="fr"), behaviour="de l'intimidation"
    )
    assert "de l'intimidation" in reply["text"] and "{" not in reply["text"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_response_renders_on_every_channel_without_open_placeholders(language, root):
    content = load_content(root / "data" / "content")
    variables = {"behaviour": "x", "conversation_reference": "VM-0000-0000-0000"}
    # The advisor search and the handoff (actions/advisor.py, actions/handoff.py).
    variables |= {"country": "Maroc", "post": "Rabat (Maroc)", "advisors": "x", "target": "x"}
    variables |= {"phone": "+212612345678", "reference": "VM-0000", "when": "x", "back_word": "x"}
    # Values the report form and the status check fill in (actions/report*.py, status.py).
    variables |= {
        "kind": "x", "what_happened": "x", "when": "x", "where": "x", "involved": "x",
        "witnesses": "x", "spoke_to": "x", "contact": "x", "code": "4821 0937 5512 6604",
        "passphrase": "a b c d e", "time": "12:00", "date": "2026-01-01", "status": "x",
        "message": "x",
    }  # fmt: skip
    # The messaging channels (channels/twilio.py, channels/telegram.py).
    variables |= {"count": "3", "choice": "x", "max_mb": "16"}
    # Files (actions/evidence.py, bot/evidence/dialogue.py).
    variables |= {"file": "photo, 230 KB", "privacy": "x", "files": "x"}
    for name in content.responses[language]:
        for channel in CHANNELS:
            message = runtime.renderer().render(name, language, channel, variables)
            assert message and message["text"].strip(), (name, channel)
            assert "{" not in message["text"] and "}" not in message["text"], (name, channel)


def test_edited_content_is_used_without_restart(tmp_path: Path):
    folder = tmp_path / "es"
    folder.mkdir()
    path = folder / "a.yml"
    path.write_text("language: es\nutterances:\n  utter_x: Primera versión.\n")
    store = ContentStore(tmp_path, check_interval=0)
    assert store.response("utter_x", "es").text == "Primera versión."
    path.write_text("language: es\nutterances:\n  utter_x: Versión nueva.\n")
    import os

    os.utime(path, ns=(1, 2_000_000_000_000_000_000))
    assert store.response("utter_x", "es").text == "Versión nueva."


def test_choices_an_action_computes_come_first_and_are_numbered_where_needed():
    choices = [{"title": "Rabat (Morocco)", "payload": "RAB"}]
    reply = _generate("utter_greet", _tracker(slot="en"), channel="sms", choices=choices)
    assert [b["payload"] for b in reply["buttons"]][:2] == ["RAB", "/share_experience"]
    assert "1. Rabat (Morocco)" in reply["text"].splitlines()


@pytest.mark.parametrize(
    "text",
    [
        "اكتب إلى المنسق (integrity@example.org) أو اتصل",
        "الهاتف: (+31 70 000 0100 تجريبي)",
        "المنسق (+31 70 000 0100)، أو المستشار",
        "Rabat (Maroc) أو (demo) فقط",
    ],
)
def test_in_arabic_a_bracket_and_its_partner_stay_on_the_same_side_of_an_isolate(text: str):
    # Split by an isolate, "(" outside and ")" inside came out facing the same way.
    from bot.content.rendering import isolate_rtl

    rendered = isolate_rtl(text)
    for run in re.findall(f"{LRI}(.*?){PDI}", rendered):
        assert run.count("(") == run.count(")"), rendered
    outside = re.sub(f"{LRI}.*?{PDI}", "", rendered)
    assert outside.count("(") == outside.count(")"), rendered


def test_every_arabic_answer_keeps_its_brackets_paired(root: Path):
    content = load_content(root / "data" / "content")
    for name in content.responses["ar"]:
        text = runtime.renderer().render(name, "ar", "rest", {"advisors": "x"})["text"]
        for run in re.findall(f"{LRI}(.*?){PDI}", text):
            assert run.count("(") == run.count(")"), (name, run)
