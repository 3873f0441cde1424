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


class WebChatOutput(SocketIOOutput):
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
