"""End to end: finding a confidential advisor and handing the conversation over, against the
real Rasa server and action server over the REST channel, in French, Portuguese, Arabic
and Dutch. Handoffs are read back from the servers' database."""

from __future__ import annotations

import json
import time
import uuid
from typing import Iterator

import pytest

from bot import runtime
from bot.db import Database
from bot.handoffs.inbox import list_handoffs
from bot.handoffs.store import HandoffRecord
from tests.support.servers import Servers

pytestmark = pytest.mark.e2e

MARKER = "okapi-marker-4409"  # user text that must never reach a log


@pytest.fixture(autouse=True)
def servers_state(servers: Servers, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Read with the servers' keys: references and encrypted transcripts depend on them."""
    monkeypatch.setenv("VM_STATE_DIR", servers.env["VM_STATE_DIR"])
    runtime.reset()
    yield
    runtime.reset()


def expected(name: str, language: str, **variables: str) -> str:
    return runtime.renderer().render(name, language, "rest", variables)["text"]


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def handoffs_of(servers: Servers, sender: str) -> list[HandoffRecord]:
    database = Database(servers.env["DATABASE_URL"], migrate=False)
    try:
        with database.session() as session:
            records = list_handoffs(session, statuses=("new",))
    finally:
        database.dispose()
    reference = runtime.reference_for(servers.sender_id(sender))
    return [record for record in records if record.conversation_ref == reference]


def choose(value: str) -> str:
    return f'/affirm{{"advisor_choice": "{value}"}}'


def test_french_user_names_the_post_and_hands_over(servers: Servers):
    # A REST sender that names a WhatsApp number is still a REST user: no number, no post
    # proposed from it (the WhatsApp proposal: tests/security/test_sender_ids.py).
    me = f"whatsapp:+2126{uuid.uuid4().int % 10**8:08d}"
    servers.say(me, "bonjour")
    asked = servers.say(me, "je voudrais parler à une personne de confiance")
    assert texts(asked) == [expected("utter_advisor_post_question", "fr")]
    assert texts(servers.say(me, "Rabat")) == [
        expected("utter_advisor_post_confirm", "fr", post="Rabat (Maroc)")
    ]
    language = servers.say(me, "oui")
    assert texts(language) == [expected("utter_advisor_language_question", "fr")]
    assert payloads(language)[0] == choose("fr")
    assert servers.slot(me, "advisor_post") == "RAB"
    assert texts(servers.say(me, choose("fr"))) == [
        expected("utter_advisor_preference_question", "fr")
    ]
    shown = servers.say(me, "/skip")
    matches = servers.slot(me, "advisor_matches")["matches"]
    assert 1 <= len(matches) <= 3 and matches[0]["tier"] == "post"
    assert matches[0]["name"] in shown[0]["text"]
    assert "n'entreprend lui-même aucune action" in shown[0]["text"]  # the role, as the sources say
    chosen = f'/human_handoff{{"advisor_choice": "{matches[0]["id"]}"}}'
    assert chosen in payloads(shown)

    consent = texts(servers.say(me, chosen))
    assert consent == [expected("utter_handoff_consent_question", "fr", target=matches[0]["name"])]
    assert handoffs_of(servers, me) == []  # nothing before consent
    done = texts(servers.say(me, "oui"))  # no number: no question about sharing it
    (record,) = handoffs_of(servers, me)
    assert done[0].startswith("C'est fait : cette conversation a été transmise")
    assert record.conversation_ref in done[0]
    assert (record.advisor_id, record.post_code, record.language) == (matches[0]["id"], "RAB", "fr")
    assert record.phone is None  # a REST user has none
    said = [entry.text for entry in record.transcript if entry.sender == "user"]
    assert "je voudrais parler à une personne de confiance" in said


def test_portuguese_typo_is_confirmed_and_a_wish_nobody_fits_is_left_out(servers: Servers):
    me = f"e2e-{uuid.uuid4().hex[:10]}"
    assert texts(servers.say(me, "olá, quero falar com uma pessoa de confiança")) == [
        expected("utter_advisor_post_question", "pt")
    ]
    assert texts(servers.say(me, "Sao Paolo")) == [
        expected("utter_advisor_post_confirm", "pt", post="São Paulo (Brasil)")
    ]
    assert texts(servers.say(me, "sim")) == [expected("utter_advisor_language_question", "pt")]
    assert servers.slot(me, "advisor_post") == "SAO"
    servers.say(me, choose("pt"))
    shown = texts(servers.say(me, choose("external")))  # nobody external speaks Portuguese
    assert servers.slot(me, "advisor_preference") == "external"
    matches = servers.slot(me, "advisor_matches")
    assert matches["preferences_left_out"] is True and matches["fallback"] is False
    assert matches["post"] == "SAO" and matches["matches"]
    assert shown[0] == expected("utter_advisor_preference_left_out", "pt")
    first_line = expected("utter_advisor_matches", "pt", advisors="").split("\n")[0]
    assert shown[1].startswith(first_line)


def test_arabic_user_declines_the_handoff_and_nothing_is_stored(servers: Servers):
    me = f"whatsapp:+2126{uuid.uuid4().int % 10**8:08d}"
    asked = texts(servers.say(me, "أريد التحدث مع شخص حقيقي الآن"))
    assert asked == [
        expected(
            "utter_handoff_consent_question",
            "ar",
            target="مستشاري الثقة في المقر الذين يتحدثون العربية",
        )
    ]
    assert asked[0].startswith("\u200f")
    assert texts(servers.say(me, "لا")) == [expected("utter_handoff_declined", "ar")]
    assert handoffs_of(servers, me) == []


def test_dutch_user_with_odd_answers_and_an_ambiguous_city_hands_over_to_the_pool(
    servers: Servers,
):
    me = f"e2e-{uuid.uuid4().hex[:10]}"
    servers.say(me, "goedemiddag")
    assert texts(servers.say(me, "ik wil graag met een vertrouwenspersoon praten")) == [
        expected("utter_advisor_post_question", "nl")
    ]
    assert texts(servers.say(me, "😀🙏")) == [expected("utter_advisor_post_empty", "nl")]
    ambiguous = servers.say(me, "Den Haag")
    assert texts(ambiguous) == [expected("utter_advisor_post_choose", "nl")]
    assert payloads(ambiguous)[:2] == [choose("HQ"), choose("OPCW")]
    servers.say(me, "1")
    assert servers.slot(me, "advisor_post") == "HQ"
    servers.say(me, "Nederlands")
    assert servers.slot(me, "advisor_language") == "nl"
    # An answer far too long for a preference: none is read from it, the search goes on.
    long_answer = f"mijn leidinggevende {MARKER} schreeuwt elke dag " * 100
    assert len(long_answer) > 5000
    shown = servers.say(me, long_answer)
    assert '/human_handoff{"advisor_choice": "pool"}' in payloads(shown)
    consent = texts(servers.say(me, '/human_handoff{"advisor_choice": "pool"}'))
    target = "de vertrouwenspersonen voor Hoofdkantoor (Den Haag) die Nederlands spreken"
    assert consent == [expected("utter_handoff_consent_question", "nl", target=target)]
    done = texts(servers.say(me, "ja"))  # a web user: no phone number to ask about
    (record,) = handoffs_of(servers, me)
    assert done[0].startswith("Gedaan: dit gesprek is overgedragen")
    assert record.conversation_ref in done[0]
    assert (record.advisor_id, record.pool_language, record.post_code) == (None, "nl", "HQ")
    said = [entry.text for entry in record.transcript if entry.sender == "user"]
    assert "Den Haag" in said and "ik wil graag met een vertrouwenspersoon praten" in said
    time.sleep(1)
    for log in servers.logs:
        assert MARKER not in log.read_text(), f"user text found in {log.name}"
    assert json.dumps(me) not in servers.logs[0].read_text()


def test_two_answers_that_name_no_post_go_on_without_one(servers: Servers):
    me = f"e2e-{uuid.uuid4().hex[:10]}"
    assert texts(servers.say(me, "ik wil graag met een vertrouwenspersoon praten")) == [
        expected("utter_advisor_post_question", "nl")
    ]
    assert texts(servers.say(me, "Atlantis onder de zee")) == [
        expected("utter_advisor_post_unknown", "nl")
    ]
    # Not a third time: the search goes on (headquarters and external advisors serve all).
    assert texts(servers.say(me, "ergens ver weg")) == [
        expected("utter_advisor_moved_on", "nl"),
        expected("utter_advisor_language_question", "nl"),
    ]
    assert servers.slot(me, "advisor_post") == "skipped"
