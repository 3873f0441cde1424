"""Messages read in the context of the conversation (bot.servers.in_context, outside forms):
after the assistant asked for the story, the next message is the story, however short,
unless it clearly interrupts; a message the model half read as a request to change
language, naming a language other than its own, is that request."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.servers.in_context import read_in_context


def parsed(text: str, intent: str, confidence: float) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
    }


def after(response: str, *, form: str | None = None) -> DialogueStateTracker:
    """A conversation whose assistant just said `response` (and is in `form`, if named)."""
    events: list[Any] = [UserUttered("my boss", {"name": "share_experience"})]
    if form:
        events.append(ActiveLoop(form))
    events.append(BotUttered("...", metadata={"utter_action": response}))
    return DialogueStateTracker.from_events("rest:someone", events)


@pytest.mark.parametrize(
    "text, intent, confidence",
    [
        ("vorige week", "check_status", 0.5),  # seen by hand: it asked for a receipt code
        ("last week", "cancel", 0.35),
        ("la semana pasada", "skip", 0.42),
        ("letzte Woche", "nlu_fallback", 0.3),
        ("yesterday", "out_of_scope", 0.76),
        ("ayer", "affirm", 0.35),  # seen by hand: it got the options, as a yes would
        ("this morning", "greet", 0.98),
        ("he did it again in the meeting", "ask_what_counts", 0.9),  # no question: told
    ],
)
def test_after_the_invitation_a_short_answer_is_the_story(text, intent, confidence):
    read = read_in_context(parsed(text, intent, confidence), after("utter_invite_story"))
    assert read["intent"]["name"] == "share_experience"
    assert read["text"] == text and read["intent_ranking"][0]["name"] == intent  # kept


@pytest.mark.parametrize(
    "text, intent, confidence",
    [
        ("help, he is outside my door with a knife", "emergency", 0.7),
        ("ik wil niet meer leven", "self_harm", 0.6),
        ("can my boss find out?", "ask_anonymity", 0.9),  # a question of its own
        ("stop", "cancel", 0.97),
        ("yes", "affirm", 0.99),
        ("thanks", "thank", 0.95),
        ("I want to check my report", "check_status", 0.99),  # a request, all but certain
        ("/ask_options", "ask_options", 1.0),  # a button
    ],
)
def test_after_the_invitation_what_clearly_interrupts_keeps_its_meaning(text, intent, confidence):
    read = read_in_context(parsed(text, intent, confidence), after("utter_invite_story"))
    assert read["intent"]["name"] == intent


def test_a_request_the_model_splits_between_two_readings_keeps_its_meaning():
    message = parsed("je veux vérifier mon signalement", "check_status", 0.62)
    message["intent_ranking"].append({"name": "report", "confidence": 0.37})
    assert read_in_context(message, after("utter_invite_story"))["intent"]["name"] == "check_status"


def test_only_right_after_the_invitation_and_outside_forms():
    message = parsed("vorige week", "check_status", 0.5)
    assert read_in_context(message, after("utter_greet"))["intent"]["name"] == "check_status"
    in_form = after("utter_invite_story", form="report_form")
    assert read_in_context(message, in_form)["intent"]["name"] == "check_status"
    assert read_in_context(message, None)["intent"]["name"] == "check_status"


def test_a_request_to_go_on_in_a_named_language_is_that_request():
    message = parsed(
        "on peut continuer en anglais svp ? mon collegue va lire aussi", "ask_protection", 0.5
    )
    message["intent_ranking"].append({"name": "change_language", "confidence": 0.19})
    message["language"] = {"code": "fr", "confidence": 0.99}
    assert read_in_context(message, after("utter_greet"))["intent"]["name"] == "change_language"


@pytest.mark.parametrize(
    "text, written_in, top, asked",
    [
        # The model sure of its reading: a question about someone who speaks English.
        ("mon collegue ne parle qu'anglais, peut-il signaler ?", "fr", 0.9, 0.08),
        # Not considered a request at all.
        ("mon chef est anglais et il me harcele", "fr", 0.6, 0.02),
        # The language it is written in: no change.
        ("can we go on in English", "en", 0.6, 0.3),
        # No language named.
        ("on peut continuer svp ?", "fr", 0.6, 0.3),
    ],
)
def test_a_language_named_otherwise_changes_nothing(text, written_in, top, asked):
    message = parsed(text, "ask_protection", top)
    message["intent_ranking"].append({"name": "change_language", "confidence": asked})
    message["language"] = {"code": written_in, "confidence": 0.99}
    assert read_in_context(message, after("utter_greet"))["intent"]["name"] == "ask_protection"


def torn(text: str, first: str, second: str) -> dict[str, Any]:
    """A message the model could not decide between two readings: the fallback."""
    message = parsed(text, "nlu_fallback", 0.3)
    message["intent_ranking"] += [
        {"name": first, "confidence": 0.5},
        {"name": second, "confidence": 0.49},
    ]
    return message


def test_torn_between_leaving_and_a_request_with_nothing_to_leave_is_the_request():
    # Seen in a typed Arabizi conversation: "I want to report him" was not understood.
    read = read_in_context(torn("abi ablegh 3anh", "report", "cancel"), after("utter_greet"))
    assert read["intent"]["name"] == "report"
    read = read_in_context(torn("next one please", "skip", "ask_options"), after("utter_greet"))
    assert read["intent"]["name"] == "ask_options"


def test_torn_between_leaving_and_more_stays_unclear_where_there_is_something_to_leave():
    message = torn("abi ablegh 3anh", "report", "cancel")
    in_form = after("utter_ask_what_happened", form="report_form")
    assert read_in_context(message, in_form)["intent"]["name"] == "nlu_fallback"
    # A report that could not be stored can still be cancelled.
    failed = DialogueStateTracker.from_events(
        "rest:someone",
        [UserUttered("send", {"name": "affirm"}), ActionExecuted("action_submit_report")]
        + [ActionExecuted("action_listen")],
    )
    assert read_in_context(message, failed)["intent"]["name"] == "nlu_fallback"


def test_torn_between_two_other_readings_stays_unclear():
    message = torn("something vague", "report", "ask_options")
    assert read_in_context(message, after("utter_greet"))["intent"]["name"] == "nlu_fallback"
    message = torn("stop, skip it", "cancel", "skip")
    assert read_in_context(message, after("utter_greet"))["intent"]["name"] == "nlu_fallback"
