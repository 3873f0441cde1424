"""The judge, on hand-built conversations: a good one passes; a loop, a reply in the wrong
language, a missing report field, a missing safety text or a wrong post fail, each with a
reason that names the turn or field and never quotes the user."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import yaml

from bot.evaluation.conversations import Conversation, parse_file
from bot.evaluation.judge import BotMessage, LanguageOracle, Observed, Turn, judge

ORACLE = LanguageOracle(
    {
        "en": {
            "utter_report": "I can take your report. Would you like to start?",
            "utter_ask_report_kind": "What is it about?",
            "utter_ask_report_when": "When did it happen? For example {example}.",
            "utter_report_received": "Received.\nReceipt code: {code}\nPassphrase: {passphrase}",
            "utter_emergency": "Your safety comes first. Call {security_desk}.",
        },
        "fr": {
            "utter_report": "Je peux prendre votre signalement. Voulez-vous commencer ?",
            "utter_ask_report_kind": "De quoi s'agit-il ?",
            "utter_ask_report_when": "Quand est-ce arrivé ? Par exemple {example}.",
            "utter_report_received": "Reçu.\nCode : {code}\nPhrase secrète : {passphrase}",
            "utter_emergency": "Votre sécurité d'abord. Appelez {security_desk}.",
        },
    }
)

SCRIPT = """
language: en
conversations:
  - name: fraud report
    journey: report
    user: ["i want to report something", "yes", "my boss takes money from the till", "last week"]
    expect:
      report:
        kind: fraud
        what_happened_contains: ["takes money"]
        when_contains: ["last week"]
        where: null
        contact: anonymous
      receipt: true
      no_safety: true
"""

STORY = "my boss takes money from the till"


def conversation(**expect: Any) -> Conversation:
    data = yaml.safe_load(SCRIPT)
    if expect:
        data["conversations"][0]["expect"] = expect
    return parse_file(data, "en.yml")[0]


def said(name: str, text: str) -> BotMessage:
    return BotMessage(response=name, text=text)


def good_turns() -> list[Turn]:
    return [
        Turn(200, (said("utter_report", "I can take your report. Would you like to start?"),)),
        Turn(200, (said("utter_ask_report_kind", "What is it about?"),)),
        Turn(200, (said("utter_ask_report_when", "When did it happen? For example last week."),)),
        Turn(
            200,
            (
                said(
                    "utter_report_received",
                    "Received.\nReceipt code: 1234 5678 9012 3456\nPassphrase: a b c d e",
                ),
            ),
        ),
    ]


def stored(**changes: Optional[str]) -> Mapping[str, Any]:
    case: dict[str, Any] = {
        "kind": "fraud",
        "what_happened": "My boss TAKES MONEY from the till",
        "when": "last week",
        "where": None,
        "post_code": None,
        "involved": None,
        "witnesses": None,
        "spoke_to": None,
        "contact": "anonymous",
        "contact_details": None,
    }
    case.update(changes)
    return case


def observed(turns: Optional[list[Turn]] = None, **changes: Any) -> Observed:
    values: dict[str, Any] = {"turns": tuple(turns or good_turns()), "cases": (stored(),)}
    values.update(changes)
    return Observed(**values)


def test_a_good_conversation_passes():
    verdict = judge(conversation(), observed(), ORACLE)
    assert verdict.passed, verdict.reasons
    assert verdict.trace[0] == ("utter_report",)


def test_a_looping_conversation_fails_on_the_repeated_question():
    turns = (
        good_turns()[:2]
        + [Turn(200, (said("utter_ask_report_when", "When did it happen? For example x."),))] * 3
    )
    verdict = judge(conversation(no_safety=True), observed(turns, cases=()), ORACLE)
    assert not verdict.passed
    assert "turn 5: utter_ask_report_when asked 3 turns in a row" in verdict.reasons
    assert any(
        "the same reply (utter_ask_report_when) 3 times in a row" in r for r in verdict.reasons
    )


def test_a_question_asked_twice_in_a_row_is_allowed():
    turns = (
        good_turns()[:2]
        + [Turn(200, (said("utter_ask_report_when", "When did it happen? For example x."),))] * 2
    )
    verdict = judge(conversation(no_safety=True), observed(turns, cases=()), ORACLE)
    assert verdict.passed, verdict.reasons


def test_a_reply_in_another_language_fails_and_names_the_turn_and_response():
    turns = good_turns()
    turns[2] = Turn(
        200, (said("utter_ask_report_when", "Quand est-ce arrivé ? Par exemple hier."),)
    )
    verdict = judge(conversation(), observed(turns), ORACLE)
    assert verdict.reasons == ("turn 3 (utter_ask_report_when): not in en (matches fr)",)


def test_arabic_style_direction_marks_and_demo_notes_do_not_hide_the_language():
    turns = good_turns()
    turns[2] = Turn(
        200,
        (
            said(
                "utter_ask_report_when",
                "\u200fWhen did it happen?  For example \u2066+31 70\u2069.\n(demo values)",
            ),
        ),
    )
    assert judge(conversation(), observed(turns), ORACLE).passed


def test_a_missing_or_wrong_report_field_fails_without_quoting_the_story():
    verdict = judge(
        conversation(),
        observed(cases=(stored(when=None, kind="bullying", where="in Rabat"),)),
        ORACLE,
    )
    assert set(verdict.reasons) == {
        "report.kind is bullying, expected fraud",
        "report.where was stored, expected none",
        "report.when is empty, expected words in it",
    }
    story_words = conversation().user[2].split()
    assert not any(word in reason for reason in verdict.reasons for word in story_words[1:])

    nothing = judge(conversation(), observed(cases=()), ORACLE)
    assert "0 cases stored for the conversation, expected 1" in nothing.reasons


def test_a_missing_word_is_named_by_its_position():
    verdict = judge(conversation(), observed(cases=(stored(what_happened="he steals"),)), ORACLE)
    assert verdict.reasons == (
        "report.what_happened lacks expected word 1 of 1 (what_happened_contains)",
    )


def test_safety_text_missing_or_given_to_a_safe_story_fails():
    no_alarm = judge(conversation(safety="emergency"), observed(), ORACLE)
    assert no_alarm.reasons == ("no safety text: utter_emergency was never said",)
    turns = good_turns()
    turns[1] = Turn(200, (said("utter_emergency", "Your safety comes first. Call +31."),))
    alarm = judge(conversation(no_safety=True), observed(turns), ORACLE)
    assert alarm.reasons == ("utter_emergency was said to a safe story",)


def test_server_errors_silence_and_an_open_form_fail():
    turns = good_turns()
    turns[1] = Turn(500)
    turns[2] = Turn(200, ())
    verdict = judge(conversation(), observed(turns, active_loop="report_form"), ORACLE)
    assert "turn 2: HTTP 500" in verdict.reasons
    assert "turn 3: no reply" in verdict.reasons
    assert "the script ended with report_form still open" in verdict.reasons


def test_the_advisors_must_serve_the_expected_post():
    script = conversation(advisors_post="DAK")
    shown = {"post": "DAK", "matches": [{"id": "a"}], "fallback": False}
    assert judge(script, observed(slots={"advisor_matches": shown}), ORACLE).passed
    elsewhere = {"post": "ABJ", "matches": [{"id": "a"}]}
    verdict = judge(script, observed(slots={"advisor_matches": elsewhere}), ORACLE)
    assert verdict.reasons == ("advisors were found for post ABJ, expected DAK",)
    missing = judge(script, observed(), ORACLE)
    assert missing.reasons == ("no advisors were shown (slot advisor_matches is empty)",)


def test_a_conversation_answered_in_another_language_throughout_is_one_reason():
    french = [
        Turn(
            200,
            (said("utter_report", "Je peux prendre votre signalement. Voulez-vous commencer ?"),),
        ),
        Turn(200, (said("utter_ask_report_kind", "De quoi s'agit-il ?"),)),
        Turn(200, (said("utter_ask_report_when", "Quand est-ce arrivé ? Par exemple hier."),)),
        Turn(200, (said("utter_report_received", "Reçu.\nCode : 1\nPhrase secrète : a"),)),
    ]
    verdict = judge(conversation(), observed(french), ORACLE)
    assert verdict.reasons == (
        "turns 1 (utter_report), 2 (utter_ask_report_kind), 3 (utter_ask_report_when) and 1 "
        "more: not in en (matches fr)",
    )


def test_a_receipt_given_where_no_report_was_expected_fails():
    verdict = judge(conversation(no_report=True), observed(cases=()), ORACLE)
    assert verdict.reasons == ("a receipt was given, no report expected",)
