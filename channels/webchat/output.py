"""Messages to a web chat conversation that answer no incoming one (an advisor's, from the
console): sent to the conversation's socket.io room, and reported as not delivered when no
window of it is open on this server or, with several servers, on any (channels.outcomes,
channels/webchat/shared.py)."""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.channels.socketio import SocketIOOutput
from socketio import AsyncServer

from channels.outcomes import ADVISOR_MESSAGE_ID, report
from channels.webchat.shared import Presence

# The language a reply was written in (bot/content/nlg.py adds it to every rendered
# response): the widget turns its own labels to it, so they follow the conversation.
LANGUAGE_KEY = "language"


class ReplyOutput(SocketIOOutput):
    """Rasa's socket.io output, with each reply's language in its message."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, _with_language({"text": part}, kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        # As Rasa's: the text in parts, the buttons on the last part.
        messages: list[dict[str, Any]] = [
            {"text": part, "quick_replies": []} for part in text.strip().split("\n\n")
        ]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": button["title"], "payload": button["payload"]}
            for button in buttons
        ]
        for message in messages:
            await self._send_message(recipient_id, _with_language(message, kwargs))


def _with_language(message: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    language = kwargs.get(LANGUAGE_KEY)
    if isinstance(language, str):
        message[LANGUAGE_KEY] = language
    return message


class WebChatOutput(ReplyOutput):
    def __init__(
        self, sio: AsyncServer, bot_message_evt: str, presence: Optional[Presence] = None
    ) -> None:
        super().__init__(sio, bot_message_evt)
        self.presence = presence

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def is_open(self, room: str) -> bool:
        if any(True for _ in self.sio.manager.get_participants("/", room)):
            return True
        return self.presence is not None and await self.presence.is_open(room)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if kwargs.get(ADVISOR_MESSAGE_ID) is not None and not await self.is_open(recipient_id):
            await report(kwargs, "webchat_closed")
            return
        await super().send_text_message(recipient_id, text, **kwargs)
        await report(kwargs, None)
