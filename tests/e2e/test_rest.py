"""End to end: the real Rasa server and action server on loopback, talked to over the REST
channel as a user's client would, in several languages."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from bot import runtime
from tests.support.servers import Servers

pytestmark = pytest.mark.e2e

MARKER = "zebra-marker-7731"  # a word that must never reach a log


def expected(name: str, language: str, **variables: str) -> str:
    return runtime.renderer().render(name, language, "rest", variables)["text"]


def behaviour(category: str, language: str) -> str:
    return runtime.renderer().phrase(f"behaviour_{category}", language)


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def new_sender(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_french_driver_is_acknowledged_and_shown_the_options(servers: Servers):
    me = new_sender("whatsapp:+2217")
    assert texts(servers.say(me, "bonjour")) == [expected("utter_greet", "fr")]
    replies = servers.say(me, "mon chef me crie dessus devant tout le monde")
    assert texts(replies) == [
        expected("utter_acknowledge_experience", "fr", behaviour=behaviour("intimidation", "fr"))
    ]
    assert "/find_advisor" in [b["payload"] for b in replies[0]["buttons"]]
    assert texts(servers.say(me, "oui")) == [expected("utter_options", "fr")]
    assert texts(servers.say(me, "ok")) != []  # a short "ok" ...
    assert servers.slot(me, "language") == "fr"  # ... never switches the language
    assert texts(servers.say(me, "est-ce que mon nom restera confidentiel ?")) == [
        expected("utter_anonymity", "fr")
    ]


def test_dutch_civil_servant_asks_how_to_report_and_what_follows(servers: Servers):
    me = new_sender()
    assert texts(servers.say(me, "goedemorgen")) == [expected("utter_greet", "nl")]
    assert texts(servers.say(me, "ik wil een melding maken van fraude")) == [
        expected("utter_report", "nl")
    ]
    # Asked at "shall we start?": answered, then the question comes back.
    assert texts(servers.say(me, "wat gebeurt er na mijn melding?")) == [
        expected("utter_process", "nl"),
        expected("utter_report", "nl"),
    ]
    assert servers.slot(me, "language") == "nl"


def test_english_partner_organisation_learns_about_external_support(servers: Servers):
    me = new_sender()
    replies = servers.say(
        me, "I work for an NGO funded by the ministry, where can I go outside the ministry?"
    )
    assert texts(replies) == [expected("utter_external", "en")]
    assert "subsidy" in replies[0]["text"]
    assert texts(servers.say(me, "will reporting affect our subsidy or my job?")) == [
        expected("utter_protection", "en")
    ]


def test_arabic_conversation_is_in_arabic_and_right_to_left(servers: Servers):
    me = new_sender()
    greeting = texts(servers.say(me, "السلام عليكم"))
    assert greeting == [expected("utter_greet", "ar")]
    assert greeting[0].startswith("\u200f")
    assert texts(servers.say(me, "مديري يصرخ علي أمام الجميع كل يوم")) == [
        expected("utter_acknowledge_experience", "ar", behaviour=behaviour("intimidation", "ar"))
    ]
    assert texts(servers.say(me, "هل سيبقى اسمي سريا إذا أبلغت؟")) == [
        expected("utter_anonymity", "ar")
    ]


def test_unsupported_language_opener_gets_english_and_french(servers: Servers):
    me = new_sender()
    polish = "dzień dobry, mój szef codziennie na mnie krzyczy przy wszystkich"
    replies = texts(servers.say(me, polish))
    assert replies == [
        expected("utter_unsupported_language", "en"),
        expected("utter_unsupported_language", "fr"),
    ]
    assert "Nederlands, English, Français" in replies[0]


def test_emergency_in_the_middle_of_another_topic_is_answered_first(servers: Servers):
    me = new_sender()
    servers.say(me, "mi jefe me grita todos los dias delante de todos")
    assert texts(servers.say(me, "esta aqui ahora y me amenaza con pegarme")) == [
        expected("utter_emergency", "es")
    ]


def test_openings_typed_by_hand_are_read_as_meant(servers: Servers):
    # Seen by hand: "my boss" got the explanation of deleting one's data.
    me = new_sender()
    servers.say(me, "hello")
    assert texts(servers.say(me, "my boss")) == [expected("utter_invite_story", "en")]
    assert servers.slot(me, "language") == "en"
    # Seen by hand: 113's own words for despair got "take care, you can always come back".
    me = new_sender()
    opening = expected("utter_self_harm", "nl", crisis_line="\0").split("\0")[0]
    replies = texts(servers.say(me, "ik zie het niet meer zitten, alles is zinloos"))
    assert replies and replies[0].startswith(opening), replies
    assert expected("utter_goodbye", "nl") not in replies


@pytest.mark.parametrize(
    "opening, who, when, language",
    [
        ("goedemorgen", "mijn baas", "vorige week", "nl"),  # by hand: asked for a receipt code
        ("hola", "mi jefe", "ayer", "es"),  # by hand: read as yes, it got the options
    ],
)
def test_a_short_answer_to_tell_me_what_happened_is_the_story(
    servers: Servers, opening, who, when, language
):
    me = new_sender()
    servers.say(me, opening)
    assert texts(servers.say(me, who)) == [expected("utter_invite_story", language)]
    thanked = texts(servers.say(me, when))
    assert thanked == [expected("utter_acknowledge_experience_general", language)]
    assert servers.slot(me, "language") == language


def test_asking_to_go_on_in_english_with_more_said_switches(servers: Servers):
    # Seen in the typed conversations: read as a question about protection, in French.
    me = new_sender()
    servers.say(me, "bonjour")
    asked = "on peut continuer en anglais svp ? mon collegue va lire aussi"
    assert texts(servers.say(me, asked)) == [expected("utter_language_changed", "en")]
    assert servers.slot(me, "language") == "en"


def test_explicit_language_switch_sticks(servers: Servers):
    me = new_sender()
    assert texts(servers.say(me, "can we continue in German please")) == [
        expected("utter_language_changed", "de")
    ]
    assert texts(servers.say(me, "thanks")) == [expected("utter_thank", "de")]
    menu = servers.say(me, '/change_language{"language": "pt"}')
    assert texts(menu) == [expected("utter_language_changed", "pt")]
    assert servers.slot(me, "language") == "pt"


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "SENDER", "message": ""},
        {"sender": "SENDER", "message": "😀😀😀🙏"},
        {"sender": "SENDER", "message": "help me " * 1250},  # 10,000 characters
        {"sender": "SENDER", "message": "\u200f\u200d\u202e ok"},
    ],
)
def test_odd_messages_get_an_answer_and_the_conversation_goes_on(servers: Servers, body):
    me = new_sender()
    body = {**body, "sender": me}
    reply = requests.post(f"{servers.url}/webhooks/rest/webhook", json=body, timeout=60)
    assert reply.status_code == 200
    assert all(isinstance(m, dict) for m in reply.json())
    # A greeting in the conversation's language (10,000 characters of English set it), or,
    # while none is known, the welcome's line in each language.
    language = servers.slot(me, "language")
    wanted = expected("utter_greet", language) if language else expected("utter_welcome", "en")
    assert texts(servers.say(me, "hello")) == [wanted]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sender": "x", "message": ',
        b"\xff\xfe\x00 not json",
        b"[1, 2, 3]",
        b'{"sender": "x", "message": ["not", "a", "text"]}',
        b'{"sender": 42, "message": "hi"}',
        b'{"sender": "x", "message": "' + b"a" * 60_000 + b'"}',
    ],
)
def test_broken_requests_get_a_4xx_and_the_server_stays_up(servers: Servers, raw: bytes):
    reply = requests.post(
        f"{servers.url}/webhooks/rest/webhook",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert 400 <= reply.status_code < 500
    assert texts(servers.say(new_sender(), "hello")) == [expected("utter_welcome", "en")]


def test_user_text_never_reaches_the_logs(servers: Servers):
    me = new_sender()
    servers.say(me, f"my colleague {MARKER} steals money from the visa fees")
    servers.say(me, f"{MARKER} please delete everything I wrote")
    time.sleep(1)
    for log in servers.logs:
        assert MARKER not in log.read_text(), f"user text found in {log.name}"
    assert json.dumps(me) not in servers.logs[0].read_text()
