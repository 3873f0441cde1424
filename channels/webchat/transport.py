"""The web chat's transport: a socket.io server that refuses what it cannot read, with a
size limit on every packet (files come in chunks that fit it), and a logger that never
passes what users write."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, Optional

from rasa.core.channels.socketio import SocketBlueprint
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.webchat.pace import PER_MINUTE

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARACTERS = 5_000
# Bigger than any allowed message (5,000 characters, JSON-escaped) plus metadata; a larger
# socket.io packet closes that connection, a larger HTTP body gets a 413.
MAX_PACKET_BYTES = 100_000
# A file comes in chunks of at most this many bytes, each its own socket.io packet with one
# binary attachment: on a WebSocket the chunk's own frame, on long-polling base64 (4/3 of
# it, 87,382 characters) with the packet's header, both under MAX_PACKET_BYTES.
CHUNK_BYTES = 64 * 1024
# Binary attachments one socket.io packet may announce (python-socketio buffers as many as
# the packet announces, up to ten digits of them): a chunk has one.
MAX_ATTACHMENTS = 1
_BINARY_PACKET = re.compile(r"[56](\d+)-")  # BINARY_EVENT or BINARY_ACK, attachments, "-"

REFUSALS = {
    "no_session": "Ask for a session (session_request) before sending messages.",
    "session_mismatch": "This message names a different session than this connection's.",
    "session_expired": "The session has expired; ask for a new one (session_request).",
    "invalid": 'A message must be a JSON object: {"message": "...", "session_id": "..."}.',
    "not_text": "`message` must be a text.",
    "empty": "`message` is empty.",
    "too_long": f"`message` is longer than {MAX_MESSAGE_CHARACTERS} characters; "
    "please send it in parts.",
    "unavailable": "The message could not be handled just now; please try again.",
    "too_fast": f"More than {PER_MINUTE} messages in a minute; please wait a moment before"
    " sending more.",
    "unreadable": "This socket.io packet could not be read.",
    "unknown_event": "Unknown event: the events are session_request, user_uttered, user_file "
    "and user_file_chunk.",
    "invalid_file": 'A file must be announced as {"size": <bytes>, "session_id": "..."}.',
    "no_upload": "No file is being sent on this connection (or it waited too long): announce "
    "it again with user_file.",
    "bad_chunk": 'A chunk must be {"upload_id", "offset", "data": <binary>}, continue where '
    f"the file's last chunk ended and hold at most {CHUNK_BYTES} bytes of it; the file "
    "was dropped.",
    "busy": "Many files are being sent to this server just now; please try again in a minute.",
}


def _warnings_and_errors(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


def transport_logger() -> logging.Logger:
    """The socket.io server's own logger. At INFO, python-engineio logs every packet with
    its content, i.e. what users write, and Rasa sets the level of the library's default
    loggers from LOG_LEVEL_LIBRARIES: this one lets only warnings and errors through,
    whatever level it is given."""
    transport = logging.getLogger("channels.webchat.channel.transport")
    if _warnings_and_errors not in transport.filters:
        transport.addFilter(_warnings_and_errors)
    return transport


class WebChatServer(AsyncServer):
    """A socket.io server that answers a packet it cannot decode (broken JSON, an unknown
    packet type, an event without a name) with `message_refused`, where python-socketio
    would log a traceback and say nothing to the client. It wraps two internal methods of
    python-socketio 5 (pinned in requirements.lock); tests/e2e/test_webchat.py sends such
    packets."""

    async def _refuse_unreadable(self, eio_sid: str) -> None:
        logger.info("Web chat packet refused: unreadable")
        sid = self.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is not None:
            refusal = {"reason": "unreadable", "message": REFUSALS["unreadable"]}
            await self.emit("message_refused", refusal, room=sid)

    async def _handle_eio_message(self, eio_sid: str, data: object) -> None:
        if isinstance(data, str):
            binary = _BINARY_PACKET.match(data)
            if binary and int(binary.group(1)) > MAX_ATTACHMENTS:
                await self._refuse_unreadable(eio_sid)
                return
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, KeyError, IndexError, TypeError):
            await self._refuse_unreadable(eio_sid)

    async def _handle_event(
        self, eio_sid: str, namespace: Optional[str], id: Optional[int], data: Any
    ) -> None:
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            await self._refuse_unreadable(eio_sid)
            return
        await super()._handle_event(eio_sid, namespace, id, data)


class WebChatBlueprint(SocketBlueprint):
    def register(self, app: Sanic, options: Dict[str, Any]) -> None:
        super().register(app, options)
        path = "/" + self.ctx.socketio_path.strip("/")

        @app.middleware("request")
        async def refuse_oversized_packets(request: Request) -> Optional[HTTPResponse]:
            # python-socketio would wait for the client's next poll before answering an
            # oversized long-polling POST (a request that hangs); answer it at once.
            if request.method != "POST" or request.path.rstrip("/") != path:
                return None
            if len(request.body or b"") > MAX_PACKET_BYTES:
                return response.json(
                    {"message": f"A packet must be under {MAX_PACKET_BYTES} bytes."}, status=413
                )
            return None
