"""The conversation as the advisor reads it: the events after the handoff, the user's
emergencies flagged, the user's way back shown, the advisors' own messages not twice."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.console.conversation import live_entries

HANDED = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
T = HANDED.timestamp()


def test_only_what_followed_the_handoff_is_live():
    events = [
        {"event": "user", "text": "before", "timestamp": T - 60, "parse_data": {}},
        {"event": "user", "text": "after", "timestamp": T + 60, "parse_data": {}},
        {"event": "bot", "text": "answer", "timestamp": T + 61, "metadata": {}},
    ]
    entries = live_entries(events, HANDED)
    assert [(e.kind, e.text) for e in entries] == [("user", "after"), ("assistant", "answer")]


def test_an_emergency_is_flagged_and_the_way_back_is_shown():
    events = [
        {"event": "user", "text": "help", "timestamp": T + 1, "parse_data": {"safety": "danger"}},
        {"event": "user", "text": "ASSISTENT", "timestamp": T + 2, "parse_data": {}},
        {"event": "action", "name": "action_back_to_assistant", "timestamp": T + 3},
    ]
    entries = live_entries(events, HANDED)
    assert entries[0].alarm and not entries[1].alarm
    assert entries[2].kind == "went_back"


def test_the_advisors_messages_come_from_the_database_not_the_events():
    events = [
        {"event": "bot", "text": "Nadia: bonjour", "timestamp": T + 5,
         "metadata": {"advisor_message_id": "m1", "from_person": True}},
    ]  # fmt: skip
    assert live_entries(events, HANDED) == []


def test_a_file_the_user_sent_is_shown_as_a_file_not_as_the_channels_payload():
    events = [
        {"event": "user", "text": '/share_file{"file_id": "f1"}', "timestamp": T + 1,
         "parse_data": {}},
        {"event": "user", "text": "/share_file is what I typed", "timestamp": T + 2,
         "parse_data": {}},
        {"event": "user", "text": "/share_file", "timestamp": T + 3, "parse_data": {}},
        {"event": "user", "text": '/share_file{"file_choice": "discard"}', "timestamp": T + 4,
         "parse_data": {}},
        {"event": "user", "text": '/share_file{"file_choice": "keep_original"}',
         "timestamp": T + 5, "parse_data": {}},
    ]  # fmt: skip
    entries = live_entries(events, HANDED)
    # As stored, a file's message has no id; a button's choice about files sent no file.
    assert [e.file for e in entries] == [True, False, True, False, False]
