"""Buttons on channels that have none, and button payloads coming back.

SMS and WhatsApp show buttons as numbered choices (bot.content.rendering adds them to the text);
a reply that is just a number ("2", "2.", " 2 ", Arabic-Indic "٢") picks that button.
Telegram shows inline keyboards whose callback data carries the payload; it is checked
before it reaches the dialogue, because Rasa reads a text starting with "/" as an intent
and writes the whole text into its log when it cannot parse it."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Mapping, Optional, Sequence

_NUMBER = re.compile(r"^#?(\d{1,2})[.):]?$")
_LEADING_NUMBER = re.compile(r"^(\W*?)\d+")
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w-]*)(?P<entities>\{.*\})?$", re.DOTALL)

# Telegram refuses callback data longer than 64 bytes.
TELEGRAM_CALLBACK_BYTES = 64
_DIGEST_PREFIX = "#"


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str


def choices_from(buttons: Optional[Iterable[Any]]) -> tuple[Choice, ...]:
    """Buttons as stored in a bot message; anything malformed is left out."""
    found = []
    for button in buttons or ():
        if not isinstance(button, Mapping):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and payload:
            found.append(Choice(title=title, payload=payload))
    return tuple(found)


def _without_format_characters(text: str) -> str:
    """Drops direction marks, zero-width joiners and other invisible format characters."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def chosen_number(text: str) -> Optional[int]:
    """The number a reply consists of, in any script's digits, or None."""
    bare = unicodedata.normalize("NFKC", _without_format_characters(text)).strip()
    match = _NUMBER.match(bare)
    if not match:
        return None
    return int(match.group(1))  # int() reads every script's decimal digits


def numbered_payload(text: str, choices: Sequence[Choice]) -> tuple[Optional[int], Optional[str]]:
    """(number, payload) for a numbered reply: payload None when the number is not one of
    the choices; (None, None) when the reply is not a bare number at all."""
    number = chosen_number(text)
    if number is None or not choices:
        return None, None
    if 1 <= number <= len(choices):
        return number, choices[number - 1].payload
    return number, None


def with_numbered_choices(text: str, choices: Sequence[Choice], first: int = 1) -> str:
    """The text with numbered choices from `first` on: the renderer's "1. title" lines
    renumbered (a turn's second list goes on from the first's), or added when it put none
    there (a message from elsewhere than the content store may come with bare buttons)."""
    lines = text.split("\n")
    rendered = [f"{i}. {_without_format_characters(c.title)}" for i, c in enumerate(choices, 1)]
    at: list[int] = []
    for wanted in reversed(rendered):  # the list is the text's last: look from its end
        end = at[-1] if at else len(lines)
        found = next(
            (n for n in range(end - 1, -1, -1)
             if _without_format_characters(lines[n]).strip() == wanted),
            None,
        )  # fmt: skip
        if found is None:
            break
        at.append(found)
    if len(at) == len(choices):
        for number, n in enumerate(reversed(at), start=first):
            lines[n] = _LEADING_NUMBER.sub(rf"\g<1>{number}", lines[n], count=1)
        return "\n".join(lines)
    listed = "\n".join(f"{i}. {c.title}" for i, c in enumerate(choices, first))
    return f"{text}\n\n{listed}" if text else listed


def payload_is_well_formed(payload: str, intents: Collection[str]) -> bool:
    """A payload the dialogue understands: /intent or /intent{json object}, intent known."""
    match = _PAYLOAD.match(payload)
    if not match or match.group("intent") not in intents:
        return False
    entities = match.group("entities")
    if entities is None:
        return True
    try:
        return isinstance(json.loads(entities), dict)
    except ValueError:
        return False


def callback_data(payload: str) -> str:
    """What a Telegram button carries: the payload itself when it fits, else its digest."""
    if len(payload.encode("utf-8")) <= TELEGRAM_CALLBACK_BYTES:
        return payload
    return _DIGEST_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]


def payload_from_callback(
    data: str, intents: Collection[str], recent_choices: Iterable[Choice]
) -> Optional[str]:
    """The payload a Telegram button stood for, or None when it is unknown."""
    if data.startswith(_DIGEST_PREFIX):
        for choice in recent_choices:
            if callback_data(choice.payload) == data:
                return choice.payload
        return None
    return data if payload_is_well_formed(data, intents) else None


def without_command_prefix(text: str) -> str:
    """User text never starts with "/": Rasa would take it for an intent (and log it)."""
    return text.lstrip().lstrip("/").lstrip()


def payload_parse_data(payload: str, language: str, confidence: float) -> Optional[dict]:
    """Rasa parse data for a well-formed payload, carrying a language guess: the NLG
    answers in it while the conversation has no language yet. None if malformed."""
    match = _PAYLOAD.match(payload)
    if not match:
        return None
    entities: list[dict[str, Any]] = []
    if match.group("entities"):
        try:
            values = json.loads(match.group("entities"))
        except ValueError:
            return None
        if not isinstance(values, dict):
            return None
        start, end = match.span("entities")
        for name, value in values.items():
            for one in value if isinstance(value, list) else [value]:
                entities.append({"entity": name, "value": one, "start": start, "end": end})
    intent = {"name": match.group("intent"), "confidence": 1.0}
    return {
        "text": payload,
        "intent": intent,
        "intent_ranking": [intent],
        "entities": entities,
        "language": {"code": language, "confidence": confidence},
    }
