"""Messages to a web chat conversation that answer no incoming one (an advisor's, from the
console): sent to the conversation's socket.io room, and reported as not delivered when no
window of it is open on this server (channels.outcomes)."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.socketio import SocketIOOutput

from channels.outcomes import ADVISOR_MESSAGE_ID, report


class WebChatOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    def is_open(self, room: str) -> bool:
        return any(True for _ in self.sio.manager.get_participants("/", room))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if kwargs.get(ADVISOR_MESSAGE_ID) is not None and not self.is_open(recipient_id):
            await report(kwargs, "webchat_closed")
            return
        await super().send_text_message(recipient_id, text, **kwargs)
        await report(kwargs, None)
