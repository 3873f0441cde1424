"""While an advisor holds a conversation (the console paused the assistant for it with
Rasa's ConversationPaused), what happens to a message the user sends:

- the word to go back (`back_to_assistant_word`, in any supported language, or
  "/assistant"): the assistant resumes and says so; the advisor sees it in the console;
- immediate danger or thoughts of self-harm (the safety component's verdict, or the
  intent): the assistant answers at once with the safety text, as it would unpaused, and
  the console flags the message to the advisor;
- a file (a channel's /share_file): it goes to the handoff, and the user is told so;
- anything else: nothing is said; the advisor reads it in the console and answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from bot.safety.decision import ALARM_INTENTS
from bot.security.redaction import FILE_MESSAGE

RESUME, ANSWER, WAIT, FILE = "resume", "answer", "wait", "file"
BACK_PAYLOAD = "/assistant"
BACK_PHRASE = "back_to_assistant_word"


def folded(text: str) -> str:
    """Lower case, without accents, punctuation or surrounding space: 'Assistent!' ->
    'assistent'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", text).strip()


def is_alarm(parse_data: Mapping[str, Any]) -> bool:
    intent = (parse_data.get("intent") or {}).get("name")
    return bool(parse_data.get("safety")) or intent in ALARM_INTENTS


def while_held(text: str, parse_data: Mapping[str, Any], back_words: Iterable[str]) -> str:
    """RESUME, ANSWER, FILE or WAIT for a message sent while an advisor holds the
    conversation. FILE: a file the user sent, which goes to the advisor's handoff."""
    if text.strip().casefold() == BACK_PAYLOAD or folded(text) in {folded(w) for w in back_words}:
        return RESUME
    if is_alarm(parse_data):
        return ANSWER
    if text.startswith(FILE_MESSAGE):  # a file, or a button's choice about files
        return FILE
    return WAIT
