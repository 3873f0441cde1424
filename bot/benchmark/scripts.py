"""Which user turns each simulated user types: the user side of the typed conversations
(evaluation/conversations/<lang>.yml), the languages taken in turn so any number of users
is a multilingual mix, each script continued with the next one of its language until it has
the turns asked for (a user who, done with one matter, brings up the next)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.evaluation.conversations import Conversation

LANGUAGE_ORDER: tuple[str, ...] = ("nl", "en", "fr", "es", "de", "pt", "ar")


@dataclass(frozen=True)
class Script:
    language: str
    messages: tuple[str, ...]  # what the user types, one per turn; never logged

    def __repr__(self) -> str:  # a script may end up in a traceback: never its text
        return f"Script({self.language}, {len(self.messages)} turns)"


def _by_language(conversations: Sequence[Conversation]) -> dict[str, list[tuple[str, ...]]]:
    found: dict[str, list[tuple[str, ...]]] = {}
    for conversation in conversations:
        if conversation.user:
            found.setdefault(conversation.language, []).append(conversation.user)
    return found


def _language_key(language: str) -> tuple[int, str]:
    order = LANGUAGE_ORDER.index(language) if language in LANGUAGE_ORDER else len(LANGUAGE_ORDER)
    return order, language


def select_scripts(
    conversations: Sequence[Conversation], count: int, turns: int, offset: int = 0
) -> list[Script]:
    """`count` scripts of exactly `turns` messages. User i speaks the (i + offset)-th
    language in LANGUAGE_ORDER (cyclically) and starts with that language's
    ((i + offset) // languages)-th conversation, continued with the following ones (again
    cyclically) until it has `turns` messages. Deterministic: every run and every setup gets
    the same load."""
    if count < 0 or turns < 1:
        raise ValueError("count must be >= 0 and turns >= 1")
    pools = _by_language(conversations)
    if not pools:
        raise ValueError("no conversation has user turns")
    languages = sorted(pools, key=_language_key)
    scripts: list[Script] = []
    for index in range(offset, offset + count):
        language = languages[index % len(languages)]
        pool = pools[language]
        start = index // len(languages)
        messages: list[str] = []
        step = 0
        while len(messages) < turns:
            messages.extend(pool[(start + step) % len(pool)])
            step += 1
        scripts.append(Script(language, tuple(messages[:turns])))
    return scripts
