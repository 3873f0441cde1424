"""No user text in any log: a filter that redacts message text and conversation dumps from
every log record, whoever logs it.

What it catches (each seen in Rasa 3.6 and rasa-sdk):
- Rasa's REST channel logs `text=` with the user's message when handling fails (structlog,
  rendered as JSON `"text": "..."` or as `text='...'` on a terminal);
- a failing custom action: Rasa's RemoteAction chains the action server's error whose text
  is `body='{... "request_body": {tracker} ...}'`, and rasa-sdk's 500 handler answers with
  the whole tracker; Sanic's error logs print the exception and its traceback;
- Rasa's debug lines quote the user's message (`Received user message '...'`);
- SQLAlchemy's errors print the statement's `[parameters: ...]`.

The filter rewrites the record's message and its traceback text; it never drops a record,
so errors stay visible with their kind and place.

Installing it:
- Rasa server: `rasa run --logging-config-file <LOGGING_CONFIG_FILE>` (Rasa 3.6 reads it
  with logging.config.dictConfig, rasa/utils/common.py). Rasa replaces the console handlers
  afterwards (coloredlogs), so building the filter also installs a log-record factory that
  redacts every record at its creation, whatever handler later prints it.
- Action server (and anything else in Python): `install()`."""

from __future__ import annotations

import logging
import re
import threading
import traceback
from pathlib import Path
from typing import Any, Callable, Optional

LOGGING_CONFIG_FILE: Path = Path(__file__).resolve().parent / "logging.yml"
REDACTED = "[redacted]"

# Keys whose values are what people wrote, or hold it.
_TEXT_KEYS = (
    "text",
    "user_text",
    "response_text",
    "user_message",
    "message_text",
    "passphrase",
    "code",
    "address",
    "phone",
)
_KEYS = "|".join(_TEXT_KEYS)
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
# "text": "..." (JSON), 'text': '...' (a dict's repr), text='...'; unquoted (text=a b c),
# the rest of the line, since where the text ends cannot be known.
_KEY_VALUE = re.compile(
    rf"(?P<key>[\"']?\b(?:{_KEYS})\b[\"']?\s*(?::|=)\s*)(?P<value>{_QUOTED}|[^\n]*)",
    re.IGNORECASE,
)
# Where a conversation dump starts: everything from there on is cut.
_DUMP = re.compile(
    r"(?:\bbody\s*=|\[parameters:|[\"']?(?:request_body|tracker|events|latest_message|slots|"
    r"parse_data|metadata)[\"']?\s*:)",
    re.IGNORECASE,
)
# Rasa's debug lines quote the message: "user message 'xyz'", "message 'xyz'".
_QUOTED_MESSAGE = re.compile(rf"(\b(?:user )?message\s+)(?:{_QUOTED})", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` without message text and without conversation dumps."""
    dump = _DUMP.search(text)
    if dump:
        text = text[: dump.end()] + " " + REDACTED
    text = _KEY_VALUE.sub(lambda m: m["key"] + REDACTED, text)
    return _QUOTED_MESSAGE.sub(lambda m: m[1] + REDACTED, text)


def _redact_traceback(record: logging.LogRecord) -> None:
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = "\n".join(redact(line) for line in record.exc_text.splitlines())
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrites the record in place: its message (formatted once, arguments and all) and its
    traceback text."""
    if getattr(record, "_vm_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: show the template only
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    _redact_traceback(record)
    record._vm_redacted = True
    return record


class RedactingFilter(logging.Filter):
    """For handlers (and loggers): redacts each record, never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_lock = threading.Lock()
_previous_factory: Optional[Callable[..., logging.LogRecord]] = None


def _install_record_factory() -> None:
    global _previous_factory
    with _lock:
        if _previous_factory is not None:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            # exc_info is set on the record by the logger after creation in some paths;
            # the handler filter catches those.
            return redact_record(record)

        _previous_factory = previous
        logging.setLogRecordFactory(factory)


def redacting_filter() -> RedactingFilter:
    """The logging config file's filter factory: also installs the record factory, since
    Rasa replaces console handlers after reading the config."""
    _install_record_factory()
    return RedactingFilter()


def install() -> None:
    """Redacts every record of this process from now on (the action server calls this)."""
    _install_record_factory()
    log_filter = RedactingFilter()
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(log_filter)
