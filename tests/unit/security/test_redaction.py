"""What a handoff transcript shows an advisor: the conversation as stored, without the
receipt, the status check's answers or the raw address."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.handoffs.transcript import transcript_from_events
from bot.security.redaction import (
    NOT_STORED,
    RECEIPT,
    RECEIPT_SHOWN,
    SECRET_MARK,
    STATE_KINDS,
    Redactor,
    redact_events,
)

CODE = "4821 0937 5512 6604"
PASSPHRASE = "lantern orbit pepper meadow quill"


def _events() -> list[dict]:
    return [
        {"event": "session_started", "timestamp": 1.0},
        {"event": "user", "text": "I want to report", "metadata": {"address": "+31612345678"}},
        {
            "event": "bot",
            "text": f"Receipt code: {CODE} Passphrase: {PASSPHRASE}",
            "metadata": {"code": CODE, "passphrase": PASSPHRASE, SECRET_MARK: RECEIPT},
            "data": {"buttons": [{"title": "Done", "payload": "/deny"}], "custom": {"x": CODE}},
        },
        {"event": "active_loop", "name": "status_form"},
        {"event": "slot", "name": "requested_slot", "value": "status_code"},
        {"event": "user", "text": CODE, "parse_data": {"text": CODE, "entities": [{"v": CODE}]}},
        {"event": "slot", "name": "status_code", "value": CODE},
        {"event": "slot", "name": "requested_slot", "value": "status_passphrase"},
        {"event": "user", "text": PASSPHRASE},
        {"event": "slot", "name": "status_passphrase", "value": PASSPHRASE},
        {"event": "active_loop", "name": None},
        {"event": "user", "text": "can I talk to someone?"},
    ]


def test_a_transcript_holds_no_receipt_no_status_answer_and_no_address():
    transcript = transcript_from_events(_events())
    texts = [entry.text for entry in transcript]
    assert texts == [
        "I want to report",
        RECEIPT_SHOWN,
        NOT_STORED,
        NOT_STORED,
        "can I talk to someone?",
    ]
    dumped = repr(transcript)
    assert "4821" not in dumped and "lantern" not in dumped and "3161" not in dumped


def test_redaction_leaves_the_caller_s_events_alone_and_empties_secret_slots():
    events = _events()
    redacted = redact_events(events)
    assert events[5]["text"] == CODE  # a copy is redacted, not the tracker's own events
    assert "address" not in redacted[1]["metadata"]
    slots = {e["name"]: e["value"] for e in redacted if e["event"] == "slot"}
    assert slots["status_code"] is None and slots["status_passphrase"] is None
    # The receipt's buttons stay (a typed number picks one), nothing else of it.
    assert redacted[2]["data"] == {"buttons": [{"title": "Done", "payload": "/deny"}]}
    assert redacted[2]["metadata"] == {SECRET_MARK: RECEIPT}
    # After the form ends, messages are kept again.
    assert redacted[-1]["text"] == "can I talk to someone?"


def test_a_sealed_code_is_kept_and_a_look_alike_of_digits_is_not():
    sealed = {"event": "slot", "name": "status_code", "value": "sealed:gAAAAABabc_-="}
    typed = {"event": "slot", "name": "status_code", "value": "sealed: 4821 0937"}
    assert redact_events([sealed])[0]["value"] == sealed["value"]
    assert redact_events([typed])[0]["value"] is None


def test_giving_up_on_the_code_question_is_kept():
    from bot.report.status import GAVE_UP

    gave_up = {"event": "slot", "name": "status_code", "value": GAVE_UP}
    assert redact_events([gave_up])[0]["value"] == GAVE_UP


# Events that move the redactor's state, and events it redacts, in any order.
_ANY_EVENT = st.sampled_from(
    [
        {"event": "active_loop", "name": "status_form"},
        {"event": "active_loop", "name": "report_form"},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": "status_code"},
        {"event": "slot", "name": "requested_slot", "value": "status_passphrase"},
        {"event": "slot", "name": "requested_slot", "value": "report_when"},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "slot", "name": "status_code", "value": CODE},
        {"event": "slot", "name": "status_code", "value": "sealed:gAAAAABtoken"},
        {"event": "slot", "name": "status_passphrase", "value": PASSPHRASE},
        {"event": "slot", "name": "session_started_metadata", "value": {"address": "+3161"}},
        {"event": "user", "text": CODE, "parse_data": {"text": CODE, "entities": [{"v": 1}]}},
        {"event": "user", "text": "hello", "metadata": {"address": "+31612345678"}},
        {"event": "bot", "text": CODE, "metadata": {SECRET_MARK: RECEIPT, "code": CODE}},
        {"event": "bot", "text": "What happened?"},
        {"event": "action", "name": "status_form"},
        {"event": "restart"},
        {"event": "session_started"},
        {"event": "reset_slots"},
    ]
)


# The status check asking a secret question: what a stored prefix must carry over.
_ASKING_SECRET = st.sampled_from(["status_code", "status_passphrase"]).map(
    lambda slot: [
        {"event": "active_loop", "name": "status_form"},
        {"event": "slot", "name": "requested_slot", "value": slot},
    ]
)


@given(st.lists(st.one_of(_ANY_EVENT.map(lambda e: [e]), _ASKING_SECRET), max_size=30), st.data())
def test_following_the_stored_events_then_redacting_the_new_is_redacting_them_all(
    chunks: list[list[dict]], data: st.DataObject
):
    """What the conversation store does each turn (it follows what it stored, and redacts
    only the new events) gives exactly what redacting the whole conversation gives."""
    events = [event for chunk in chunks for event in chunk]
    stored = data.draw(st.integers(min_value=0, max_value=len(events)))
    redactor = Redactor()
    for event in events[:stored]:
        if event["event"] in STATE_KINDS:
            redactor.follow(event)
    new = [redactor.redact(event) for event in events[stored:]]
    assert new == redact_events(events)[stored:]


def test_the_same_for_every_short_conversation_and_every_stored_prefix():
    """Exhaustively, up to four events from the ones that matter: a state change right
    before the stored prefix ends is what random conversations rarely hit."""
    pool = [
        {"event": "active_loop", "name": "status_form"},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": "status_code"},
        {"event": "slot", "name": "requested_slot", "value": "report_when"},
        {"event": "restart"},
        {"event": "session_started"},
        {"event": "user", "text": CODE},
        {"event": "slot", "name": "status_code", "value": CODE},
    ]
    for length in range(1, 5):
        for events in itertools.product(pool, repeat=length):
            whole = redact_events(events)
            for stored in range(length + 1):
                redactor = Redactor()
                for event in events[:stored]:
                    if event["event"] in STATE_KINDS:
                        redactor.follow(event)
                assert [redactor.redact(e) for e in events[stored:]] == whole[stored:]


def test_following_rasas_event_objects_is_following_their_dicts():
    """The conversation store follows the stored events as Rasa's objects (follow_event),
    without building their dicts: the same state after every event."""
    pool = [
        ActiveLoop("status_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", "status_code"),
        SlotSet("requested_slot", None),
        SlotSet("status_code", CODE),
        Restarted(),
        SessionStarted(),
        UserUttered(CODE),
        ActionExecuted("status_form"),
        BotUttered("Your code?"),
    ]
    for events in itertools.product(pool, repeat=3):
        by_dict, by_object = Redactor(), Redactor()
        for event in events:
            data = event.as_dict()
            if data["event"] in STATE_KINDS:
                by_dict.follow(data)
            by_object.follow_event(event)
            assert vars(by_object) == vars(by_dict)


def test_a_file_is_kept_as_a_file_without_its_id():
    """A case's file keeps its id: a transcript or the conversation naming it would join
    the conversation (or a handoff) to the case."""
    payload = '/share_file{"file_id": "0f3c9a7e5b1d4c2a8e6f0a1b2c3d4e5f"}'
    sent = {
        "event": "user",
        "text": payload,
        "parse_data": {
            "text": payload,
            "intent": {"name": "share_file", "confidence": 1.0},
            "entities": [{"entity": "file_id", "value": "0f3c9a7e5b1d4c2a8e6f0a1b2c3d4e5f"}],
        },
    }
    discard = {
        "event": "user",
        "text": '/share_file{"file_choice": "discard"}',
        "parse_data": {"entities": [{"entity": "file_choice", "value": "discard"}]},
    }
    taken = {"event": "slot", "name": "report_witnesses", "value": payload}  # before validation
    kept, choice, slot = redact_events([sent, discard, taken])
    assert "0f3c9a7e" not in str(kept) and slot["value"] == "/share_file"
    assert kept["text"] == "/share_file" and kept["parse_data"]["intent"]["name"] == "share_file"
    assert choice == discard  # a choice about files names none
    [entry] = transcript_from_events([sent])
    assert entry.text == "/share_file"
