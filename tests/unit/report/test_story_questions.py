"""The story question as a story grows over several messages, as on WhatsApp."""

from __future__ import annotations

from bot.cases.intake import append_description
from bot.report.form import what_happened_question


def test_a_story_in_many_messages_is_not_asked_the_same_thing_each_time() -> None:
    description = None
    asked = [what_happened_question(description)]
    for part in ["he shouts at me", "every morning", "in front of everyone", "since May"]:
        description = append_description(description, part)
        asked.append(what_happened_question(description))
    assert asked == [
        "utter_report_what_happened_first",
        "utter_report_what_happened_more",
        "utter_report_what_happened_more",
        "utter_report_go_on",
        "utter_report_what_happened_more",
    ]
    assert not any(a == b == c for a, b, c in zip(asked, asked[1:], asked[2:], strict=False))
