"""The runner's pure parts: the tracker's events become turns with the responses said, and
completion rates are counted per journey and language."""

from __future__ import annotations

from bot.evaluation.conversations import Conversation, Expectation
from bot.evaluation.judge import BotMessage, LanguageOracle, Turn, Verdict
from bot.evaluation.runner import (
    Result,
    completion,
    observe,
    receipt_codes,
    said_last,
    with_secrets_shown,
)


def test_the_responses_said_to_the_last_user_message():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "bot", "text": "before anyone spoke", "metadata": {}},
        {"event": "user", "text": "hi"},
        {"event": "action", "name": "utter_greet"},
        {"event": "bot", "text": "Hello", "metadata": {"utter_action": "utter_greet"}},
        {"event": "user", "text": "help"},
        {"event": "bot", "text": "Your safety", "metadata": {"utter_action": "utter_emergency"}},
        {"event": "bot", "text": "raw text"},
    ]
    assert said_last(events) == (
        BotMessage("utter_emergency", "Your safety"),
        BotMessage(None, "raw text"),
    )
    assert said_last([*events, {"event": "user", "text": "ok"}]) == ()


def test_after_the_data_was_deleted_what_the_bot_said_since():
    # The conversation's events are gone; the bot's confirmation is all the tracker holds.
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "bot", "text": "Done", "metadata": {"utter_action": "utter_data_deleted"}},
    ]
    assert said_last(events) == (BotMessage("utter_data_deleted", "Done"),)


def result(language: str, journey: str, passed: bool) -> Result:
    conversation = Conversation(
        name=f"{language} {journey} {passed}",
        journey=journey,
        language=language,
        user=("hi",),
        expect=Expectation(no_safety=True),
    )
    return Result(conversation, Verdict(passed, () if passed else ("x",), ()), 1.0)


def test_completion_is_counted_per_journey_language_and_overall():
    rates = completion(
        [
            result("nl", "report", True),
            result("nl", "report", False),
            result("en", "report", True),
            result("en", "advisor", True),
        ]
    )
    assert (rates[("report", "nl")].passed, rates[("report", "nl")].total) == (1, 2)
    assert rates[("all", "en")].value == 1.0
    assert rates[("report", "all")].value == 2 / 3
    assert str(rates[("all", "all")]) == "3/4 (0.75)"


def test_the_receipt_code_is_read_from_the_received_message_in_any_script():
    english = BotMessage(
        "utter_report_received",
        "Your report has been received within 7 days.\nReceipt code: 4821 0937 5512 6604\n"
        "Passphrase: apple river stone cloud lamp\nFeedback within 3 months.",
    )
    arabic = BotMessage(
        "utter_report_received",
        "\u200fتم استلام بلاغك\n\u200fرمز الإيصال: \u20661234 5678 9012 3456\u2069\n\u200fكلمات",
    )
    other = BotMessage("utter_status_overview", "Your code 1111 2222 3333 4444")
    assert receipt_codes([(english,), (other, arabic)]) == [
        "4821093755126604",
        "1234567890123456",
    ]


def test_the_receipt_is_read_from_what_the_user_saw_not_from_the_stored_placeholder():
    # The conversation store keeps the receipt message as a placeholder only.
    stored = (BotMessage("utter_report_received", "[receipt shown]"), BotMessage("utter_x", "ok"))
    shown = ("Received.\nReceipt code: 4821 0937 5512 6604\nPassphrase: apple river", "ok")
    turn = with_secrets_shown(stored, shown)
    assert turn[0].text == shown[0] and turn[1] == stored[1]
    assert receipt_codes([turn]) == ["4821093755126604"]
    assert with_secrets_shown(stored, ("ok",)) == stored  # nothing shown: nothing invented


def test_a_phone_number_placeholder_is_read_as_the_user_saw_it():
    stored = (BotMessage("utter_handoff_phone_question", "[phone number shown]"),)
    shown = ("Would you like to share your phone number (+31612345678) with the advisor?",)
    assert with_secrets_shown(stored, shown)[0].text == shown[0]


class _Deleting:
    """An assistant whose second message deletes the conversation: its tracker is empty after."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def say(self, sender: str, text: str) -> Turn:
        if text == "delete":
            self.events = [{"event": "action", "name": "action_session_start"}]
            return Turn(status=200, shown=("Done: deleted.",))
        self.events += [
            {"event": "user", "text": text},
            {"event": "bot", "text": "Hello", "metadata": {"utter_action": "utter_greet"}},
        ]
        return Turn(status=200, shown=("Hello",))

    def tracker(self, sender: str) -> dict:
        return {"events": self.events, "slots": {}}


def test_what_the_channel_answered_to_a_deletion_is_read_by_its_response():
    oracle = LanguageOracle({"en": {"utter_delete_data_done": "Done: deleted."}})
    conversation = Conversation(
        name="deletes", journey="questions", language="en", user=("hi", "delete"),
        expect=Expectation(no_safety=True),
    )  # fmt: skip
    observed = observe(conversation, _Deleting(), lambda *_: [], "s", oracle.response_of)  # type: ignore[arg-type]
    assert observed.said() == ["utter_greet", "utter_delete_data_done"]
