"""After the assistant asked for the story, the next message is the story, however short
(bot.language.reading.is_the_story decides). The Rasa server's parse of every message
(bot.servers.typed_buttons.install) applies `read_in_context`: outside forms, when the
assistant's last turn invited the story, a message that is the story is read as
`share_experience`. What the model read stays in `intent_ranking`."""

from __future__ import annotations

from typing import Any

from bot.language.reading import EXPERIENCE, INVITATION, is_the_story
from bot.security.redaction import RESPONSE_NAME_KEY


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


def read_in_context(parse_data: dict[str, Any], tracker: Any) -> dict[str, Any]:
    if tracker is None or tracker.active_loop_name or not invited_story(tracker):
        return parse_data
    if not is_the_story(parse_data):
        return parse_data
    return {**parse_data, "intent": {**(parse_data.get("intent") or {}), "name": EXPERIENCE}}
