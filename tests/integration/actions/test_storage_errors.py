"""A database that cannot be reached never fails an action (which Rasa would log with the
whole conversation): the user hears "please try again" in their language, and nothing they
said is lost."""

from __future__ import annotations

from typing import Any

from actions.advisor import ActionAskAdvisorPost, ActionShowAdvisors, ValidateAdvisorForm
from actions.handoff import ActionAskHandoffConsent
from actions.status import ActionCheckStatus
from bot import runtime
from bot.db import Database
from bot.directory.service import DirectoryService
from bot.report.status import STATUS_CODE, STATUS_PASSPHRASE
from tests.support.servers import free_port
from tests.support.tracker import build_tracker, run_action, slots_set


def _down() -> Database:
    # A PostgreSQL server that is not there: every connection is refused.
    return Database(f"postgresql://nobody:secret@127.0.0.1:{free_port()}/vm", migrate=False)


def _broken_directory() -> DirectoryService:
    return DirectoryService(_down(), None)


def said(messages: list[dict[str, Any]]) -> list[str]:
    return [m["response"] for m in messages]


def test_an_unreadable_directory_asks_to_try_again_in_the_user_s_language():
    with runtime.override(directory_service=_broken_directory()):
        for action in (ActionAskAdvisorPost(), ActionShowAdvisors(), ActionAskHandoffConsent()):
            messages, events = run_action(action, build_tracker("hola", language="es"))
            assert said(messages) == ["utter_storage_try_again"], action.name()
            assert messages[0]["language"] == "es"
            assert events == []  # nothing changed, nothing lost


def test_a_form_answer_that_could_not_be_checked_is_asked_again():
    tracker = build_tracker(
        "Rabat",
        slots={"requested_slot": "advisor_post", "advisor_language": "fr"},
        new_slots={"advisor_post": "Rabat"},
        language="fr",
        active_loop="advisor_form",
    )
    with runtime.override(directory_service=_broken_directory()):
        messages, events = run_action(ValidateAdvisorForm(), tracker)
    assert said(messages) == ["utter_storage_try_again"]
    # The question comes back; the answers given before stay.
    assert slots_set(events) == {"advisor_post": None}


def test_the_status_check_with_the_database_down_says_so_and_keeps_nothing_secret():
    tracker = build_tracker(
        "words", slots={STATUS_CODE: "sealed:x", STATUS_PASSPHRASE: "a b c d e"}, language="de"
    )
    with runtime.override(database=_down()):
        messages, events = run_action(ActionCheckStatus(), tracker)
    assert len(messages) == 1 and messages[0]["response"] in (
        "utter_status_unavailable",
        "utter_storage_try_again",
    )
    assert slots_set(events).get(STATUS_PASSPHRASE) is None


def test_try_again_is_said_once_when_the_form_s_question_fails_too():
    """The validation fails, then the question's own action: one "try again", not two."""
    said_already: list[dict[str, Any]] = [
        {"event": "user", "text": "Rabat"},
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_storage_try_again"}},
    ]
    tracker = build_tracker("Rabat", events=said_already, language="en")
    with runtime.override(directory_service=_broken_directory()):
        messages, events = run_action(ActionAskAdvisorPost(), tracker)
    assert messages == [] and events == []
