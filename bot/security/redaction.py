"""What a conversation may keep once it is stored, or shown to an advisor in a transcript.

Rasa events (as dicts, `Event.as_dict()` or the tracker JSON an action receives) go through
`Redactor`, which follows the dialogue state (the active form and the question it asks) so
that it knows which messages answer a secret question:

- the bot message that shows a new receipt, or proposes the user's own phone number, is
  marked by the action that sends it (`SECRET_MARK` among the message's keys, which Rasa
  keeps as BotUttered metadata, see rasa/core/actions/action.py `create_bot_utterance`) and
  is kept as a placeholder (`SHOWN`) only, without the values it was rendered with;
- what the user types while the status check asks for the receipt code or the passphrase
  is kept without its text and entities (the intent stays: the dialogue's rules need it);
- the slots that hold the code and the passphrase are kept empty; the code question's slot
  may hold only a sealed token (bot/cases/followup.py), which names no code;
- `address` (the raw phone number or chat id the channels pass along) is dropped from every
  message's metadata;
- a file the user sent is kept as `/share_file`, without its file id (in the message, and
  in a slot a form filled with it before validating): a case's file keeps that id, and the
  conversation or a handoff's transcript would otherwise name it.

Marking at the source rather than matching patterns: a pattern would also have to know every
way a code can be written, and would miss the passphrase's words."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any, Optional

# Set on a message (dispatcher.utter_message(..., **{SECRET_MARK: RECEIPT})) that shows a secret
# or what identifies the user; the value says which, and what the stored message says instead.
SECRET_MARK = "vm_secret"
RECEIPT = "receipt"
RECEIPT_SHOWN = "[receipt shown]"
PHONE = "phone"  # the user's own number, proposed for an advisor before they agreed
PHONE_SHOWN = "[phone number shown]"
SHOWN = {RECEIPT: RECEIPT_SHOWN, PHONE: PHONE_SHOWN}
# Where Rasa puts the name of the response a bot message was rendered from (its metadata).
RESPONSE_NAME_KEY = "utter_action"
NOT_STORED = "[not stored]"
# A file a channel passed on (bot.evidence.dialogue): `/share_file{"file_id": ...}`.
FILE_MESSAGE = "/share_file"
FILE_ID_ENTITY = "file_id"

STATUS_FORM = "status_form"
STATUS_CODE = "status_code"
STATUS_PASSPHRASE = "status_passphrase"
SECRET_QUESTIONS: Mapping[str, frozenset[str]] = {
    STATUS_FORM: frozenset({STATUS_CODE, STATUS_PASSPHRASE})
}
SECRET_SLOTS = frozenset({STATUS_CODE, STATUS_PASSPHRASE})
# What the code question's slot may hold once validated: a sealed token, never digits.
SEALED_PREFIX = "sealed:"
_SEALED = re.compile(r"^sealed:[A-Za-z0-9_\-=]+$")

# Metadata keys that link a conversation to a person: never stored.
LINKING_METADATA = frozenset({"address"})
# The slot Rasa sets to the metadata of a session's first message (rasa/core/processor.py).
SESSION_METADATA_SLOT = "session_started_metadata"
# What a secret answer's parse data keeps: the dialogue needs the intent, nothing else.
_KEPT_PARSE_KEYS = frozenset({"intent", "intent_ranking", "language"})


# What the code question's slot holds after two answers that were no code
# (bot.report.status.GAVE_UP): no secret, and the form needs it.
GAVE_UP = "gave_up"


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and bool(_SEALED.match(value))


def _kept_code(value: object) -> bool:
    return value == GAVE_UP or is_sealed(value)


# The kinds of event that change what the redactor follows; no other kind does, so events
# already redacted and stored need only these followed (`Redactor.follow`).
STATE_KINDS = frozenset({"slot", "active_loop", "restart", "session_started"})


class Redactor:
    """Redacts events in conversation order; feed it every event from the start of the
    conversation (or of what is stored), so it knows which question each message answers:
    `redact` those it must redact, `follow` those already redacted (the stored ones)."""

    def __init__(self) -> None:
        self.active_loop: Optional[str] = None
        self.requested_slot: Optional[str] = None

    def answering_secret(self) -> bool:
        return self.requested_slot in SECRET_QUESTIONS.get(self.active_loop or "", ())

    def follow(self, event: Mapping[str, Any]) -> None:
        """Follows the dialogue state `event` changes, without copying or redacting it.
        Only kinds in STATE_KINDS change it."""
        kind = event.get("event")
        if kind == "slot":
            if event.get("name") == "requested_slot":
                self.requested_slot = event.get("value")
        elif kind == "active_loop":
            self.active_loop = event.get("name")
            if self.active_loop is None:
                self.requested_slot = None
        elif kind in ("restart", "session_started"):
            self.active_loop = self.requested_slot = None

    def follow_event(self, event: Any) -> None:
        """`follow` for a Rasa event object, without building its dict (the conversation
        store follows every stored event at each save): only the requested slot, a loop,
        a restart or a new session change the state."""
        kind = event.type_name
        if kind == "slot":
            if event.key == "requested_slot":
                self.requested_slot = event.value
        elif kind in STATE_KINDS:
            self.follow({"event": kind, "name": getattr(event, "name", None)})

    def redact(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of `event`; also follows the dialogue state it changes."""
        out = copy.deepcopy(dict(event))
        kind = out.get("event")
        if kind == "user":
            _drop_linking(out)
            if self.answering_secret():
                _blank_user_text(out)
            else:
                _forget_file_id(out)
        elif kind == "bot":
            if _marked_secret(out):
                _blank_bot_text(out)
        elif kind == "slot":
            name = out.get("name")
            if name in SECRET_SLOTS and out.get("value") is not None:
                if not (name == STATUS_CODE and _kept_code(out.get("value"))):
                    out["value"] = None
            elif names_a_file(out.get("value")):
                # A form's question takes any message as its answer before validating it.
                out["value"] = FILE_MESSAGE
            elif name == SESSION_METADATA_SLOT and isinstance(out.get("value"), dict):
                # Rasa copies a new session's first message metadata into this slot.
                out["value"] = {k: v for k, v in out["value"].items() if k not in LINKING_METADATA}
        # After the redaction: a user message is judged by the state before it. Neither the
        # requested slot's value nor a loop's name is redacted, so following the copy or
        # the original is the same.
        self.follow(event)
        return out


def redact_events(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every event redacted, in order (non-dict entries are left out)."""
    redactor = Redactor()
    return [redactor.redact(event) for event in events if isinstance(event, Mapping)]


def _drop_linking(event: dict[str, Any]) -> None:
    for holder in (event, event.get("parse_data")):
        if isinstance(holder, dict) and isinstance(holder.get("metadata"), dict):
            holder["metadata"] = {
                key: value
                for key, value in holder["metadata"].items()
                if key not in LINKING_METADATA
            }


def _blank_user_text(event: dict[str, Any]) -> None:
    event["text"] = NOT_STORED
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        kept = {key: value for key, value in parse.items() if key in _KEPT_PARSE_KEYS}
        event["parse_data"] = {**kept, "text": NOT_STORED, "entities": []}


def _forget_file_id(event: dict[str, Any]) -> None:
    if names_a_file(event.get("text")):
        event["text"] = FILE_MESSAGE
    parse = event.get("parse_data")
    if not isinstance(parse, dict):
        return
    if names_a_file(parse.get("text")):
        parse["text"] = FILE_MESSAGE
    entities = parse.get("entities")
    if isinstance(entities, list):
        parse["entities"] = [
            e for e in entities if not (isinstance(e, dict) and e.get("entity") == FILE_ID_ENTITY)
        ]


def names_a_file(text: object) -> bool:
    """Whether a message is a file a channel passed on, with the file's id (not a button's
    choice about files, `/share_file{"file_choice": ...}`). Only a channel writes
    "/share_file{...}": typed text never reaches the dialogue with its command prefix
    (channels.choices.without_command_prefix)."""
    return isinstance(text, str) and text.startswith(FILE_MESSAGE + "{") and FILE_ID_ENTITY in text


def _marked_secret(event: Mapping[str, Any]) -> bool:
    metadata = event.get("metadata")
    return isinstance(metadata, Mapping) and metadata.get(SECRET_MARK) is not None


def _blank_bot_text(event: dict[str, Any]) -> None:
    metadata = event.get("metadata") or {}
    event["text"] = SHOWN.get(str(metadata.get(SECRET_MARK)), NOT_STORED)
    # Its buttons stay: they are content, and the SMS/WhatsApp channels read a typed number
    # against the last buttons shown (channels/conversation.py).
    data = event.get("data") or {}
    event["data"] = {key: data[key] for key in ("buttons", "quick_replies") if data.get(key)}
    # The values the response was rendered with (the code, the passphrase) go too.
    event["metadata"] = {
        key: metadata[key] for key in (SECRET_MARK, RESPONSE_NAME_KEY) if key in metadata
    }
