"""The Rasa NaturalLanguageGenerator: every response, from utter_* actions and from custom
actions alike, is rendered here from the content store (endpoints.yml `nlg: type:`).

The answer's language is the conversation's (slot `language`), else the detected language
of the message being answered, unless the caller names one (`language=`).

When the message being answered is a safety concern (bot/safety/concern.py), the turn's
first reply ends with where to get help now."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import runtime
from bot.cases.receipts import is_passphrase
from bot.content.rendering import POST_COUNTRY
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.conversation import reply_language
from bot.safety.concern import CONCERN_KEY, LINE_RESPONSES, FirstReplies

# Keys Rasa passes along with a response request that are not template values.
_NOT_VARIABLES = frozenset(
    {
        "text",
        "buttons",
        "image",
        "elements",
        "attachment",
        "custom",
        "json_message",
        "quick_replies",
        "template",
        "response",
        "domain_responses",
        "language",
    }
)


class ContentNLG(NaturalLanguageGenerator):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        self.endpoint_config = endpoint_config
        self._first_replies = FirstReplies()

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[dict]:
        language = kwargs.get("language")
        if language not in SUPPORTED_LANGUAGES:
            language = reply_language(
                tracker.get_slot("language"), tracker.latest_message.parse_data.get("language")
            )
        variables = {k: v for k, v in kwargs.items() if k not in _NOT_VARIABLES}
        # The post's country chooses country-specific contacts (the crisis line).
        variables.setdefault(POST_COUNTRY, _post_country(tracker))
        line = self._safety_line(tracker)
        # Content files may be re-read; keep file I/O off the event loop.
        return await asyncio.to_thread(
            _render, utter_action, language, output_channel, variables, line
        )

    def _safety_line(self, tracker: DialogueStateTracker) -> Optional[str]:
        """The line a safety concern adds, if this is the first reply to the message."""
        message = tracker.latest_message
        kind = message.parse_data.get(CONCERN_KEY) if message else None
        if kind not in LINE_RESPONSES or message is None:
            return None
        if is_passphrase(message.text):  # words drawn by chance for a receipt, not said
            return None
        turn = message.message_id or str(message.timestamp)
        if not self._first_replies.is_first(tracker.sender_id, turn):
            return None
        return LINE_RESPONSES[kind]


def _render(
    name: str,
    language: str,
    channel: str,
    variables: dict[str, Any],
    line: Optional[str],
) -> Optional[dict]:
    renderer = runtime.renderer()
    rendered = renderer.render(name, language, channel, variables)
    extra = renderer.render(line, language, channel, variables) if line else None
    if rendered is not None and extra and extra.get("text"):
        rendered["text"] = f"{(rendered.get('text') or '').rstrip()}\n\n{extra['text']}"
    if rendered is not None:
        # Channels may show it: the web chat turns its own labels to the reply's language.
        rendered["language"] = language
    return rendered


def _post_country(tracker: DialogueStateTracker) -> Optional[str]:
    """The country of the post the conversation is about: the advisor search's, else the
    report's (both ISO 3166-1 codes); None when neither is known."""
    for slot in ("advisor_country", "report_post_country"):
        value = tracker.get_slot(slot)
        if isinstance(value, str) and value.strip():
            return value
    return None
