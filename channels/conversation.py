"""What a channel needs to know about a conversation before passing a message on: its
language (for the channel's own texts) and the buttons the assistant showed last (to read
a numbered reply or a Telegram button). Read from Rasa's tracker store, so it holds after
a restart and on every server instance, and rendered texts come from the content store
in the conversation's language."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Collection, Optional

from rasa.shared.core.events import BotUttered, UserUttered

from bot import runtime
from bot.evidence.dialogue import KEEP, ORIGINALS
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.conversation import DEFAULT_LANGUAGE
from channels.choices import Choice, choices_from

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conversation:
    language: Optional[str] = None
    # Buttons of the assistant's last turn, every message's in order (the choices a bare
    # number refers to: the channel numbers them on across the turn).
    last_choices: tuple[Choice, ...] = ()
    # Buttons of every message in the current session (old Telegram keyboards stay valid).
    session_choices: tuple[Choice, ...] = ()
    # The user chose to keep the files they send as sent (not reporting anonymously).
    keep_originals: bool = False

    def language_or(self, hint: Optional[str] = None) -> str:
        """The conversation language, else a supported hint (Telegram's app language),
        else the default."""
        if self.language in SUPPORTED_LANGUAGES:
            return self.language
        return supported_language(hint) or DEFAULT_LANGUAGE


def supported_language(hint: Optional[str]) -> Optional[str]:
    """The language a platform's hint names ("pt-BR" -> "pt"), if we speak it."""
    code = (hint or "").lower().split("-")[0]
    return code if code in SUPPORTED_LANGUAGES else None


def _agent(app: Any) -> Any:
    return getattr(getattr(app, "ctx", None), "agent", None)


async def read_conversation(app: Any, sender_id: str) -> Conversation:
    """The conversation as stored; an empty one when there is none or it cannot be read
    (a channel then still answers, only without the conversation's context)."""
    agent = _agent(app)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return Conversation()
    try:
        tracker = await store.retrieve(sender_id)
    except Exception as error:  # a broken store must not stop the message itself
        logger.warning("Could not read the conversation (%s).", type(error).__name__)
        return Conversation()
    if tracker is None:
        return Conversation()
    last: tuple[Choice, ...] = ()
    session: list[Choice] = []
    for event in tracker.events:
        if isinstance(event, UserUttered):
            last = ()
        elif isinstance(event, BotUttered):
            choices = choices_from((event.data or {}).get("buttons"))
            last += choices
            session.extend(choices)
    language = tracker.get_slot("language")
    return Conversation(
        language=language if isinstance(language, str) else None,
        last_choices=last,
        session_choices=tuple(session),
        keep_originals=tracker.get_slot(ORIGINALS) == KEEP,
    )


def known_intents(app: Any) -> Collection[str]:
    domain = getattr(_agent(app), "domain", None)
    return frozenset(getattr(domain, "intents", None) or ())


async def channel_message(
    name: str, language: str, channel: str, **variables: Any
) -> Optional[dict[str, Any]]:
    """A channel's own text (data/content/<language>/channels.yml), rendered for the
    channel in the given language, as a message dict Rasa's output channels send."""
    return await asyncio.to_thread(runtime.renderer().render, name, language, channel, variables)
