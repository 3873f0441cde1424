"""The custom actions, run as the action server runs them, on tracker fixtures."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.experience import ActionAcknowledgeExperience
from actions.fallback import ActionHandleFallback
from actions.language import ActionChangeLanguage, ActionTrackLanguage
from tests.support.tracker import build_tracker, run_action, slots_set

SENDER = "whatsapp:+221771234567"


def tracker(text: str, intent: str = "share_experience", **details: Any) -> Tracker:
    """A WhatsApp message from Senegal; `language` is the conversation's, `detected` the
    NLU's reading of the message."""
    return build_tracker(text, intent, sender=SENDER, **details)


class TestTrackLanguage:
    def test_is_the_validation_action_rasa_calls_after_every_message(self):
        assert ActionTrackLanguage().name() == "action_validate_slot_mappings"

    def test_first_confident_message_sets_the_conversation_language(self):
        _, events = run_action(
            ActionTrackLanguage(), tracker("bonjour", detected={"code": "fr", "confidence": 0.9})
        )
        assert slots_set(events) == {"language": "fr"}

    @pytest.mark.parametrize("shown, expected", [("nl", "nl"), ("de", "de"), (None, None)])
    def test_an_unsure_first_message_takes_the_web_chats_language(self, shown, expected):
        # "hallo" is Dutch or German: the language the widget shows decides, if it says.
        t = tracker(
            "hallo",
            "greet",
            detected={"code": "de", "confidence": 0.4},
            metadata={"interface_language": shown} if shown else None,
        )
        assert slots_set(run_action(ActionTrackLanguage(), t)[1]).get("language") == expected

    @pytest.mark.parametrize(
        "text, detected, language",
        [
            # A clear message in another language we speak: its own language wins.
            ("my manager shouts at me every day", {"code": "en", "confidence": 0.95}, None),
            # A conversation that has a language keeps it.
            ("hallo", {"code": "de", "confidence": 0.4}, "fr"),
            # A message clearly in a language we do not speak gets that answer instead.
            ("Мій керівник кричить на мене щодня", {"code": "uk", "confidence": 0.97}, None),
        ],
    )
    def test_the_web_chats_language_decides_nothing_else(self, text, detected, language):
        t = tracker(
            text, detected=detected, language=language, metadata={"interface_language": "nl"}
        )
        assert slots_set(run_action(ActionTrackLanguage(), t)[1]).get("language") != "nl"

    def test_a_language_we_do_not_speak_in_the_metadata_is_ignored(self):
        t = tracker(
            "hallo",
            "greet",
            detected={"code": "de", "confidence": 0.4},
            metadata={"interface_language": "tr"},
        )
        assert "language" not in slots_set(run_action(ActionTrackLanguage(), t)[1])

    def test_ok_does_not_switch_away_from_french(self):
        t = tracker("ok", "affirm", detected={"code": "en", "confidence": 0.97}, language="fr")
        assert run_action(ActionTrackLanguage(), t)[1] == []

    def test_a_clear_long_message_switches(self):
        t = tracker(
            "my manager is shouting at me every day",
            detected={"code": "en", "confidence": 0.95},
            language="fr",
        )
        assert slots_set(run_action(ActionTrackLanguage(), t)[1]) == {"language": "en"}

    def test_naming_the_advisors_language_is_an_answer_not_a_switch(self):
        t = tracker(
            "french",
            "change_language",
            language="en",
            slots={"requested_slot": "advisor_language"},
            detected={"code": "en", "confidence": 0.9},
        )
        assert run_action(ActionTrackLanguage(), t)[1] == []

    def test_language_menu_button_switches(self):
        t = tracker(
            '/change_language{"language": "ar"}',
            "change_language",
            language="en",
            entities=[{"entity": "language", "value": "ar"}],
        )
        assert slots_set(run_action(ActionTrackLanguage(), t)[1]) == {"language": "ar"}

    def test_asking_in_words_switches(self):
        t = tracker(
            "can we speak Spanish please",
            "change_language",
            detected={"code": "en", "confidence": 0.99},
            language="en",
        )
        assert slots_set(run_action(ActionTrackLanguage(), t)[1]) == {"language": "es"}


class TestChangeLanguage:
    def test_confirms_in_the_new_language(self):
        messages, events = run_action(
            ActionChangeLanguage(), tracker("en français svp", "change_language")
        )
        assert messages[0]["response"] == "utter_language_changed"
        assert messages[0]["language"] == "fr"
        assert slots_set(events) == {"language": "fr"}

    def test_shows_the_menu_when_no_language_is_named(self):
        messages, events = run_action(
            ActionChangeLanguage(), tracker("other language", "change_language")
        )
        assert messages[0]["response"] == "utter_language_menu"
        assert events == []


class TestAcknowledgeExperience:
    @pytest.mark.parametrize(
        "text, slot, phrase",
        [
            ("bonjour, mon chef me crie dessus devant tout le monde", "fr", "intimidation"),
            ("the driver uses the official car as a taxi for his friends", "en", "misuse of power"),
            ("mijn collega raakt me steeds aan en maakt seksuele opmerkingen", "nl", "seksuele"),
            ("el jefe de la seccion de visas acepta sobornos", "es", "fraude"),
        ],
    )
    def test_names_the_kind_of_behaviour_in_the_users_language(self, text, slot, phrase):
        messages, _ = run_action(ActionAcknowledgeExperience(), tracker(text, language=slot))
        assert messages[0]["response"].startswith("utter_acknowledge_")
        assert phrase in messages[0]["behaviour"]

    @pytest.mark.parametrize(
        "text, language, response",
        [
            # Seen more often than suffered: no "that can't have been easy".
            ("the driver uses the official car as a taxi for his friends", "en", "concern"),
            ("el jefe de la seccion de visas acepta sobornos", "es", "concern"),
            ("mon chef me crie dessus devant tout le monde", "fr", "experience"),
            ("mijn collega raakt me steeds aan en maakt seksuele opmerkingen", "nl", "experience"),
        ],
    )
    def test_integrity_concerns_are_not_acknowledged_as_a_hardship(self, text, language, response):
        messages, _ = run_action(ActionAcknowledgeExperience(), tracker(text, language=language))
        assert messages[0]["response"] == f"utter_acknowledge_{response}"

    def test_without_a_recognisable_kind_acknowledges_without_naming(self):
        messages, _ = run_action(
            ActionAcknowledgeExperience(), tracker("something happened at work", language="en")
        )
        assert messages[0]["response"] == "utter_acknowledge_experience_general"

    @pytest.mark.parametrize(
        "text, language", [("my boss", "en"), ("mijn leidinggevende", "nl"), ("مديري", "ar")]
    )
    def test_who_without_what_happened_invites_the_story(self, text, language):
        messages, _ = run_action(ActionAcknowledgeExperience(), tracker(text, language=language))
        assert [m["response"] for m in messages] == ["utter_invite_story"]

    @pytest.mark.parametrize(
        "text, language", [("last week", "en"), ("vorige week", "nl"), ("mi jefe", "es")]
    )
    def test_a_short_answer_to_the_invitation_is_thanked_not_invited_again(self, text, language):
        history = [
            {"event": "user", "text": "my boss", "parse_data": {"text": "my boss"}},
            {
                "event": "bot",
                "text": "I'm listening.",
                "metadata": {"utter_action": "utter_invite_story"},
            },
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": {"text": text}},
        ]
        t = tracker(text, language=language, events=history)
        messages, _ = run_action(ActionAcknowledgeExperience(), t)
        assert [m["response"] for m in messages] == ["utter_acknowledge_experience_general"]

    def test_a_button_invites_the_story(self):
        messages, _ = run_action(
            ActionAcknowledgeExperience(), tracker("/share_experience", language="en")
        )
        assert messages[0]["response"] == "utter_invite_story"


def asking_whether_it_counts(text: str, top: str, language: str) -> Tracker:
    """A story told as a question, the model torn between telling and asking what counts."""
    t = tracker(text, top, language=language, detected={"code": language, "confidence": 0.9})
    t.latest_message["intent_ranking"] = [
        {"name": top, "confidence": 0.5},
        {"name": "share_experience", "confidence": 0.5},
        {"name": "ask_what_counts", "confidence": 0.45},
    ][0 if top == "nlu_fallback" else 1 :]
    return t


class TestStoryToldAsAQuestion:
    def test_telling_and_asking_whether_it_counts_gets_both_answers(self):
        text = "telt het ook als mijn teamleider steeds grappen maakt over mijn afkomst?"
        messages, _ = run_action(
            ActionAcknowledgeExperience(), asking_whether_it_counts(text, "share_experience", "nl")
        )
        assert [m["response"] for m in messages][-1] == "utter_what_counts"
        assert messages[0]["response"].startswith("utter_acknowledge_experience")

    def test_a_tie_that_became_the_fallback_is_answered_too(self):
        text = "si mi jefe se burla de mi acento delante de todos, eso cuenta como acoso?"
        messages, _ = run_action(
            ActionHandleFallback(), asking_whether_it_counts(text, "nlu_fallback", "es")
        )
        assert "utter_fallback" not in [m["response"] for m in messages]
        assert [m["response"] for m in messages][-1] == "utter_what_counts"

    def test_a_story_that_does_not_ask_gets_the_acknowledgement_only(self):
        text = "mijn teamleider maakt steeds grappen over mijn afkomst"
        messages, _ = run_action(
            ActionAcknowledgeExperience(), asking_whether_it_counts(text, "share_experience", "nl")
        )
        assert "utter_what_counts" not in [m["response"] for m in messages]


class TestQuestionTornBetweenTwoOfOurs:
    def torn(self, text: str, first: str, second: str, language: str) -> Tracker:
        t = tracker(
            text, "nlu_fallback", language=language, detected={"code": language, "confidence": 0.9}
        )
        t.latest_message["intent_ranking"] = [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": first, "confidence": 0.49},
            {"name": second, "confidence": 0.46},
        ]
        return t

    def test_gets_both_answers_instead_of_a_request_to_rephrase(self):
        # Seen in a typed German conversation, and answered "say it in other words".
        text = "und erfaehrt mein chef davon wenn ich mich da melde?"
        t = self.torn(text, "ask_anonymity", "ask_protection", "de")
        messages, _ = run_action(ActionHandleFallback(), t)
        assert [m["response"] for m in messages] == ["utter_anonymity", "utter_protection"]

    def test_asked_without_a_question_mark(self):
        t = self.torn(
            "wat gebeurt er daarna en kan dat buiten het ministerie",
            "ask_process",
            "ask_external",
            "nl",
        )
        messages, _ = run_action(ActionHandleFallback(), t)
        assert [m["response"] for m in messages] == ["utter_process", "utter_external"]

    @pytest.mark.parametrize(
        "text, first, second",
        [
            ("my boss and the thing", "ask_anonymity", "ask_protection"),  # asks nothing
            ("can I report it?", "report", "ask_anonymity"),  # a request, not two questions
            ("/ask_anonymity", "ask_anonymity", "ask_protection"),  # a button
        ],
    )
    def test_otherwise_asks_to_rephrase(self, text, first, second):
        messages, _ = run_action(ActionHandleFallback(), self.torn(text, first, second, "en"))
        assert [m["response"] for m in messages] == ["utter_fallback"]


class TestFallback:
    def test_unsupported_language_is_answered_in_english_and_french(self):
        t = tracker(
            "habari yako, bosi wangu ananipigia kelele kila siku",
            "nlu_fallback",
            detected={"code": "sw", "confidence": 0.5},
        )
        messages, _ = run_action(ActionHandleFallback(), t)
        assert [(m["response"], m["language"]) for m in messages] == [
            ("utter_unsupported_language", "en"),
            ("utter_unsupported_language", "fr"),
        ]

    def test_unclear_message_in_a_supported_language_asks_to_rephrase(self):
        t = tracker(
            "hmm well the thing", "nlu_fallback", detected={"code": "en", "confidence": 0.8}
        )
        messages, _ = run_action(ActionHandleFallback(), t)
        assert [m["response"] for m in messages] == ["utter_fallback"]

    def test_a_cancel_with_nothing_to_cancel_is_answered_once_and_the_user_heard(self):
        # No rule answers "cancel" outside a form: as the core fallback this action ran ten
        # times in a row, "say it in other words" each time.
        t = tracker("annule tout", "cancel", language="fr")
        messages, events = run_action(ActionHandleFallback(), t)
        assert [m["response"] for m in messages] == ["utter_no_pressure"]
        assert [(e["event"], e["name"]) for e in events] == [("followup", "action_listen")]

    def test_inside_a_form_the_form_goes_on_after_the_fallback(self):
        t = tracker("hmm the thing", "nlu_fallback", language="en", active_loop="report_form")
        messages, events = run_action(ActionHandleFallback(), t)
        assert [m["response"] for m in messages] == ["utter_fallback"] and events == []
