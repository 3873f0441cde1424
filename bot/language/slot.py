"""The conversation language (slot `language`) after a user message: one decision for the
two places that make it. The action server's `action_validate_slot_mappings`
(actions/language.py) is what Rasa calls after every user message; the Rasa server answers
that call itself, without the round trip (bot/servers/track_language.py). Both read the
same things: the slot's value, the question a form asks (`requested_slot`) and the latest
message as Rasa gives it to an action (its parse data: text, intent, entities and the
NLU's reading of its language, and its metadata: the web chat's interface language)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from bot import runtime
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.conversation import (
    ANSWER_SWITCH_MIN_WORDS,
    SWITCH_MIN_WORDS,
    detection_from_parse,
    is_unsupported,
    next_conversation_language,
)

LANGUAGE_SLOT = "language"
CHANGE_LANGUAGE = "change_language"
# Answers that say nothing about the reporter's language: a receipt passphrase is English
# words whatever language the conversation is in.
NOT_LANGUAGE_ANSWERS = frozenset({"status_code", "status_passphrase"})
# Questions whose answer names a language without asking to switch ("which language would
# you like to speak with the advisor?" - "French").
NAMES_A_LANGUAGE = frozenset({"advisor_language"})
# The web chat widget sends the language it shows with every message (widget.js).
INTERFACE_LANGUAGE = "interface_language"


def language_asked_for(message: Mapping[str, Any]) -> Optional[str]:
    """The language a change_language message asks for: a menu button's entity, or a
    language named in the text ('can we speak French?')."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "language" and entity.get("value") in SUPPORTED_LANGUAGES:
            return str(entity["value"])
    _, lexicon = runtime.languages()
    written_in = (message.get("language") or {}).get("code")
    return lexicon.find(message.get("text") or "", written_in)


def language_after(
    current: Optional[str], requested_slot: Optional[str], message: Mapping[str, Any]
) -> Optional[str]:
    """The value `language` takes after `message`, or None to leave it as it is: set when
    the message establishes the language or clearly switches it, or asks for another."""
    if requested_slot in NAMES_A_LANGUAGE:
        return None
    if ((message.get("intent") or {}).get("name")) == CHANGE_LANGUAGE:
        wanted = language_asked_for(message)
        return wanted if wanted and wanted != current else None
    if requested_slot in NOT_LANGUAGE_ANSWERS:
        return None
    detection = detection_from_parse(message.get("language"), message.get("text"))
    min_words = ANSWER_SWITCH_MIN_WORDS if requested_slot else SWITCH_MIN_WORDS
    chosen = next_conversation_language(current, detection, min_words)
    if chosen is None and current is None and not is_unsupported(detection):
        # A first message too short or unsure to tell ("hallo": Dutch or German?) takes the
        # language the person reads the web chat in, when the widget says it.
        return interface_language(message)
    return chosen


def interface_language(message: Mapping[str, Any]) -> Optional[str]:
    """The language of the web chat widget the message was typed in (its metadata's
    INTERFACE_LANGUAGE: the page's or browser's, or what the person chose), if we speak it."""
    metadata = message.get("metadata")
    hint = metadata.get(INTERFACE_LANGUAGE) if isinstance(metadata, Mapping) else None
    return hint if hint in SUPPORTED_LANGUAGES else None
