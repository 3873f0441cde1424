"""No user text in any log: the records Rasa, rasa-sdk, Sanic and SQLAlchemy write when
something fails come out without the message or the conversation."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.security.logs import RedactingFilter, redact

SECRET = "my manager Jan de Vries took 4000 euros"


@pytest.mark.parametrize(
    "line",
    [
        # Rasa's REST channel (structlog, JSON and console renderings).
        json.dumps({"text": SECRET, "event": "rest.message.received.failure", "level": "error"}),
        f"rest.message.received.failure text='{SECRET}'",
        f'rest.message.received.failure text="{SECRET}"',
        # A failing custom action: the action server's 500 body holds the tracker.
        "ClientResponseError: 500, Internal Server Error, body='"
        + json.dumps(
            {"error": "boom", "request_body": {"tracker": {"latest_message": {"text": SECRET}}}}
        )
        + "'",
        # rasa-sdk's error answer, and a tracker dump.
        json.dumps({"error": "x", "request_body": {"sender_id": "whatsapp:+31612345678"}}),
        "tracker: " + json.dumps({"events": [{"event": "user", "text": SECRET}]}),
        # Rasa's debug line.
        f"Received user message '{SECRET}' with intent '{{'name': 'inform'}}'",
        # SQLAlchemy's error text.
        f"(sqlite3.OperationalError) locked [SQL: INSERT ...] [parameters: ('{SECRET}',)]",
        f"'passphrase': 'lantern orbit pepper meadow quill', 'text': '{SECRET}'",
    ],
)
def test_message_text_and_dumps_are_taken_out(line: str):
    out = redact(line)
    assert "Jan de Vries" not in out and "4000" not in out and "lantern" not in out
    assert "31612345678" not in out
    assert "[redacted]" in out


def test_what_is_no_user_text_stays_readable():
    line = "Failed to run custom action 'action_show_advisors'. Couldn't connect to the server"
    assert redact(line) == line
    assert redact("case store unavailable: OperationalError") == (
        "case store unavailable: OperationalError"
    )


def test_the_filter_redacts_arguments_and_tracebacks():
    record = logging.LogRecord("rasa", logging.ERROR, __file__, 1, "text=%r", (SECRET,), None)
    try:
        raise RuntimeError(f'500, Internal Server Error, body=\'{{"text": "{SECRET}"}}\'')
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "Jan de Vries" not in formatted
    assert "RuntimeError" in formatted  # the kind and the place stay
