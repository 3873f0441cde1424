"""Readings of a message in the context of the conversation, applied by the Rasa server's
parse of every message (bot.servers.typed_buttons.install), outside forms (the forms read
their own answers, bot/forms). What the model read stays in `intent_ranking`.

- After the assistant asked for the story, the next message is the story, however short
  (bot.language.reading.is_the_story): read as `share_experience`.
- A message the model half read as a request to change language, that names a language
  we speak other than its own ("on peut continuer en anglais svp ? mon collegue va lire
  aussi": ask_protection 0.50, change_language 0.19), is that request.
- A message the model could not decide between leaving (cancel, skip) and something else,
  when there is nothing to leave ("abi ablegh 3anh", I want to report him: report 0.50,
  cancel 0.49), is that something else."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from bot.forms.interruptions import CANCEL, FALLBACK, SKIP, ranking_share
from bot.language.reading import EXPERIENCE, INVITATION, is_the_story, top_two
from bot.language.slot import CHANGE_LANGUAGE, language_asked_for
from bot.security.redaction import RESPONSE_NAME_KEY

# How much of the model's reading a language request needs, and how unsure the model must
# be of its first reading, for a message that names a language to be that request.
LANGUAGE_REQUEST_SHARE = 0.15
UNSURE_CONFIDENCE = 0.8
LEAVING = frozenset({CANCEL, SKIP})
# Outside forms, what a cancel can still leave: a report that could not be stored.
LEAVABLE_AFTER = frozenset({"action_submit_report"})


def invited_story(tracker: Any) -> bool:
    """Whether the assistant asked for the story since the user last wrote."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            if (event.metadata or {}).get(RESPONSE_NAME_KEY) == INVITATION:
                return True
    return False


def asks_for_language(message: Mapping[str, Any]) -> Optional[str]:
    """The language a message asks to go on in, when the model half read it so."""
    intent = message.get("intent") or {}
    if intent.get("name") == CHANGE_LANGUAGE or str(message.get("text") or "").startswith("/"):
        return None
    if float(intent.get("confidence") or 0.0) >= UNSURE_CONFIDENCE:
        return None
    if ranking_share(message, (CHANGE_LANGUAGE,)) < LANGUAGE_REQUEST_SHARE:
        return None
    named = language_asked_for(message)
    written_in = (message.get("language") or {}).get("code")
    return named if named and named != written_in else None


def last_action(tracker: Any) -> Optional[str]:
    """The assistant's last action before it listened."""
    from rasa.shared.core.events import ActionExecuted

    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name != "action_listen":
            return str(event.action_name)
    return None


def meant_besides_leaving(message: Mapping[str, Any]) -> Optional[str]:
    """What a message the model could not decide between leaving and something else meant
    besides leaving."""
    if (message.get("intent") or {}).get("name") != FALLBACK:
        return None
    first_two = top_two(message)
    others = [name for name in first_two if name not in LEAVING]
    return others[0] if len(others) == 1 else None


def read_in_context(parse_data: dict[str, Any], tracker: Any) -> dict[str, Any]:
    if tracker is None or tracker.active_loop_name:
        return parse_data
    if invited_story(tracker) and is_the_story(parse_data):
        return _read_as(parse_data, EXPERIENCE)
    if asks_for_language(parse_data):
        return _read_as(parse_data, CHANGE_LANGUAGE)
    meant = meant_besides_leaving(parse_data)
    if meant and last_action(tracker) not in LEAVABLE_AFTER:
        return _read_as(parse_data, meant)
    return parse_data


def _read_as(parse_data: dict[str, Any], intent: str) -> dict[str, Any]:
    return {**parse_data, "intent": {**(parse_data.get("intent") or {}), "name": intent}}
