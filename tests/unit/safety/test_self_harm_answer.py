"""The answer to thoughts of self-harm: in every language, with the crisis line of the
conversation's country and a person at once; short enough for SMS."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.content.contacts import Contacts, load_contacts
from bot.content.nlg import ContentNLG
from bot.content.rendering import Renderer
from bot.content.store import ContentStore, load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES
from tests.support import ROOT

CONTACTS = Contacts(
    values={"crisis_line": "+31 70 000 0110 (demo)"},
    demo=True,
    crisis_lines={"default": "+31 70 000 0110 (demo)", "MA": "+31 70 000 0112 (demo)"},
)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(ContentStore(ROOT / "data" / "content"), CONTACTS, {"en": "English"})


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_gives_the_crisis_line_and_a_person_now(language: str):
    response = load_content(ROOT / "data" / "content").responses[language]["utter_self_harm"]
    assert "{crisis_line}" in response.text
    assert response.sms and "{crisis_line}" in response.sms
    assert [b.payload for b in response.buttons] == ["/human_handoff"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_country_chooses_the_crisis_line(renderer: Renderer, language: str):
    for country, line in (("MA", "0112"), ("ma", "0112"), ("NG", "0110"), (None, "0110")):
        message = renderer.render("utter_self_harm", language, "rest", {"post_country": country})
        assert message is not None and line in message["text"], (language, country)
        assert message["buttons"][0]["payload"] == "/human_handoff"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_sms_gets_the_short_text_with_the_choice_numbered(renderer: Renderer, language: str):
    message = renderer.render("utter_self_harm", language, "twilio", {"post_country": "MA"})
    assert message is not None
    assert "0112" in message["text"]
    assert re.search(r"\n\u200f?1\. ", message["text"])  # Arabic lines carry a RTL mark
    assert len(message["text"]) <= 320, len(message["text"])  # two SMS segments at most


def test_the_nlg_takes_the_country_from_the_dialogue(monkeypatch: pytest.MonkeyPatch, renderer):
    from bot import runtime

    monkeypatch.setattr(runtime, "renderer", lambda: renderer)
    for slot in ("advisor_country", "report_post_country"):
        tracker = DialogueStateTracker.from_events(
            "someone",
            [SlotSet("language", "en"), SlotSet(slot, "MA"), UserUttered("...", parse_data={})],
        )
        message = asyncio.run(ContentNLG().generate("utter_self_harm", tracker, "rest"))
        assert message and "0112" in message["text"], slot


def test_the_shipped_crisis_lines_are_demo_values():
    contacts = load_contacts(ROOT / "contacts.yml")
    assert contacts.demo
    assert contacts.crisis_lines["default"] == contacts.values["crisis_line"]
    for line in contacts.crisis_lines.values():
        assert "demo" in line and "+31 70 000 01" in line


def test_crisis_lines_must_be_a_mapping(tmp_path: Path):
    path = tmp_path / "contacts.yml"
    path.write_text("demo: true\ncrisis_lines: '+31 70 000 0110'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="crisis_lines"):
        load_contacts(path)
