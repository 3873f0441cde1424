"""The web chat channel: Rasa's socket.io protocol with signed sessions, and the widget.

Over socket.io (path `socketio_path`, default /socket.io) the widget speaks Rasa's events:
`session_request` {"session_id": <token or nothing>} -> `session_confirm`
{"session_id": <token>, "new": bool, "expires_in": seconds}; `user_uttered`
{"message", "session_id": <token>, "message_id"?, "metadata"?} -> `bot_uttered`.
Unlike Rasa's own socket.io channel, the client never chooses its conversation: a missing,
forged or expired token gets a fresh signed session (channels/webchat/sessions.py; tokens
carry their time of issue and expire, so an old token cannot be replayed). Rasa sees the
conversation as `webchat:<pseudonym>` of the session id (channels/addresses.py), which is
also the socket.io room replies go to; the session id itself travels only in the message
metadata, with the metadata keys only channels set (`channel`, `address`, `country`)
dropped from what the client sends. Files come over the same connection and session,
`user_file` and `user_file_chunk` (channels/webchat/files.py). A message that
cannot be handled is answered with `message_refused` {"reason", "message", "limit"} (and
the same in the event's acknowledgement), never with an error inside the server.

Over HTTP, under /webchat: the widget, its socket.io client, a demo page, its labels and
signed sessions (channels/webchat/pages.py).

credentials.yml:

    channels.webchat.channel.WebChatInput:
      socketio_path: /socket.io          # where the socket.io server listens
      quick_exit_url: https://...        # the neutral page the quick exit leaves to
      session_lifetime_minutes: 480      # how long an unused session token stays valid
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Optional, Union
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from socketio import AsyncServer

from bot import runtime
from bot.evidence.desk import EvidenceDesk
from bot.settings import settings
from channels.addresses import ReplyTo, sender_id_for
from channels.inbound import clean_text
from channels.webchat.files import CHUNK_EVENT, FILE_EVENT, FileReceiver
from channels.webchat.output import ReplyOutput, WebChatOutput
from channels.webchat.pace import MessagePace
from channels.webchat.pages import add_pages
from channels.webchat.sessions import DEFAULT_LIFETIME_SECONDS, Session, SessionTokens, webchat_key
from channels.webchat.shared import Presence, SealedRedisManager
from channels.webchat.transport import (
    MAX_MESSAGE_CHARACTERS,
    MAX_PACKET_BYTES,
    REFUSALS,
    WebChatBlueprint,
    WebChatServer,
    transport_logger,
)

logger = logging.getLogger(__name__)

DEFAULT_QUICK_EXIT_URL = "https://www.bbc.com/weather"
# Message ids the client gives each message, so a message delivered twice is handled once.
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_REMEMBERED_MESSAGE_IDS = 100
_REMEMBERED_SESSIONS = 10_000


def _quick_exit_url(value: object) -> str:
    if value is None:
        return DEFAULT_QUICK_EXIT_URL
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"quick_exit_url must be an http(s) address, not {value!r}")
    return str(value)


@dataclass
class _Connection:
    """What the server knows about one socket.io connection."""

    session: Optional[Session] = None


async def _room(session: Session) -> str:
    """The conversation's sender id, which names its socket.io room (the key it is made
    with may be read from a file on first use: off the event loop)."""
    return await asyncio.to_thread(sender_id_for, "webchat", session.session_id)


@dataclass
class _RecentMessages:
    """The last message ids per session, for a bounded number of sessions."""

    by_session: OrderedDict[str, deque[str]] = field(default_factory=OrderedDict)

    def seen_before(self, session_id: str, message_id: str) -> bool:
        ids = self.by_session.pop(session_id, None) or deque(maxlen=_REMEMBERED_MESSAGE_IDS)
        self.by_session[session_id] = ids
        while len(self.by_session) > _REMEMBERED_SESSIONS:
            self.by_session.popitem(last=False)
        if message_id in ids:
            return True
        ids.append(message_id)
        return False


class WebChatInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        minutes = credentials.get("session_lifetime_minutes")
        if minutes is not None and (not isinstance(minutes, int) or minutes <= 0):
            raise ValueError("session_lifetime_minutes must be a whole number of minutes")
        return cls(
            socketio_path=str(credentials.get("socketio_path") or "/socket.io"),
            quick_exit_url=_quick_exit_url(credentials.get("quick_exit_url")),
            session_lifetime_seconds=minutes * 60 if minutes else DEFAULT_LIFETIME_SECONDS,
        )

    def __init__(
        self,
        socketio_path: str = "/socket.io",
        quick_exit_url: str = DEFAULT_QUICK_EXIT_URL,
        session_lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    ) -> None:
        # Sessions always persist across reconnections: the signed session is the room
        # the answers go to, whichever connection the client has at that moment.
        super().__init__(session_persistence=True, socketio_path=socketio_path)
        self.quick_exit_url = quick_exit_url
        self.session_lifetime_seconds = session_lifetime_seconds
        self._tokens: Optional[SessionTokens] = None
        self._connections: dict[str, _Connection] = {}
        self._recent = _RecentMessages()
        self._pace = MessagePace()  # a flood over one session's socket
        self._presence: Optional[Presence] = None  # several servers (REDIS_URL): shared rooms
        self.desk: Optional[EvidenceDesk] = None  # None: the process's (runtime.evidence_desk())
        self.files: Optional[FileReceiver] = None  # files on their way in (set with the socket)

    def url_prefix(self) -> str:
        return "/webchat"  # not under /webhooks/: these are pages a browser opens

    def tokens(self) -> SessionTokens:
        if self._tokens is None:
            key = webchat_key(settings().state_dir)
            self._tokens = SessionTokens(key, self.session_lifetime_seconds)
        return self._tokens

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return None
        return WebChatOutput(self.sio, self.bot_message_evt, self._presence)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        redis_url = settings().redis_url
        # With several Rasa servers, every emit goes through Redis to the server that holds
        # the socket (channels/webchat/shared.py); alone, python-socketio's own manager.
        manager = SealedRedisManager(redis_url, logger=transport_logger()) if redis_url else None
        self._presence = Presence(redis_url) if redis_url else None
        sio = WebChatServer(
            async_mode="sanic",
            client_manager=manager,
            cors_allowed_origins=[],  # as Rasa's: cross-origin is `rasa run --cors`'s job
            max_http_buffer_size=MAX_PACKET_BYTES,
            logger=transport_logger(),
            engineio_logger=transport_logger(),
        )
        self.sio = sio
        webchat = WebChatBlueprint(sio, self.socketio_path, "webchat", __name__)
        add_pages(webchat, self)
        self.files = files = FileReceiver(
            sio,
            self.bot_message_evt,
            desk=lambda: self.desk or runtime.evidence_desk(),
            app=lambda: next(iter(webchat.apps), None),
        )
        self._add_socket_events(sio, files, on_new_message)
        self._add_file_events(sio, files, on_new_message)
        presence = self._presence
        if presence is not None:

            @webchat.listener("after_server_start")
            async def listen_to_other_servers(*_: object) -> None:
                # python-socketio subscribes to Redis at its first socket: a message another
                # server sends to this server's first window would find nobody listening.
                if not sio.manager_initialized:
                    sio.manager_initialized = True
                    sio.manager.initialize()

            @webchat.listener("before_server_stop")
            async def forget_open_windows(*_: object) -> None:
                await presence.close()

        return webchat

    # socket.io ---------------------------------------------------------------------------

    async def continue_or_start(self, token: object) -> tuple[Session, bool]:
        # The key may be read from (or first written to) a file: off the event loop.
        tokens = await asyncio.to_thread(self.tokens)
        return tokens.continue_or_start(token)

    def confirmation(self, session: Session, new: bool) -> dict[str, Any]:
        return {
            "session_id": session.token,
            "new": new,
            "expires_in": self.session_lifetime_seconds,
        }

    async def _session_of(self, sid: str, data: object) -> Union[Session, str]:
        """The session of the connection an event came over, when the event names it;
        otherwise the reason to refuse the event."""
        connection = self._connections.get(sid)
        if connection is None or connection.session is None:
            return "no_session"
        if not isinstance(data, dict):
            return "invalid"
        session = connection.session
        # Any genuine token of this connection's session will do: messages the client
        # buffered while reconnecting still carry the token it had before.
        tokens = await asyncio.to_thread(self.tokens)
        if tokens.verify(session.token) is None:
            return "session_expired"
        if tokens.verify(data.get("session_id")) != session.session_id:
            return "session_mismatch"
        return session

    async def _refuse(self, sid: str, reason: str) -> dict[str, Any]:
        logger.info("Web chat message refused: %s", reason)
        refusal: dict[str, Any] = {"reason": reason, "message": REFUSALS[reason]}
        if reason == "too_long":
            refusal["limit"] = MAX_MESSAGE_CHARACTERS
        assert self.sio is not None
        await self.sio.emit("message_refused", refusal, room=sid)
        return {"status": "refused", **refusal}

    def _add_file_events(
        self,
        sio: AsyncServer,
        files: FileReceiver,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        @sio.on(FILE_EVENT)
        async def user_file(sid: str, data: object = None, *_: object) -> dict[str, Any]:
            session = await self._session_of(sid, data)
            if isinstance(session, str):
                return await self._refuse(sid, session)
            if not self._pace.allow(session.session_id):  # a file counts as a message
                return await self._refuse(sid, "too_fast")
            answer = await files.announce(sid, session.session_id, await _room(session), data)
            return answer if isinstance(answer, dict) else await self._refuse(sid, answer)

        @sio.on(CHUNK_EVENT)
        async def user_file_chunk(sid: str, data: object = None, *_: object) -> dict[str, Any]:
            connection = self._connections.get(sid)
            if connection is None or connection.session is None:
                return await self._refuse(sid, "no_session")
            answer = await files.chunk(sid, connection.session.session_id, data, on_new_message)
            return answer if isinstance(answer, dict) else await self._refuse(sid, answer)

    def _add_socket_events(
        self,
        sio: AsyncServer,
        files: FileReceiver,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        refuse = self._refuse

        @sio.on("connect")
        async def connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            self._connections[sid] = _Connection()
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str, reason: object = None) -> None:
            files.closed(sid)  # a file half sent goes with its connection
            self._connections.pop(sid, None)
            if self._presence is not None:
                await self._presence.closed(sid)

        @sio.on("*")
        async def unknown_event(event: str, sid: str, *data: object) -> dict[str, Any]:
            return await refuse(sid, "unknown_event")

        @sio.on("session_request")
        async def session_request(sid: str, data: object = None, *_: object) -> dict[str, Any]:
            token = data.get("session_id") if isinstance(data, dict) else None
            granted, new = await self.continue_or_start(token)
            room = await _room(granted)
            connection = self._connections.setdefault(sid, _Connection())
            if connection.session and connection.session.session_id != granted.session_id:
                await sio.leave_room(sid, await _room(connection.session))
            connection.session = granted
            await sio.enter_room(sid, room)
            if self._presence is not None:
                await self._presence.opened(sid, room)
            confirmation = self.confirmation(granted, new)
            await sio.emit("session_confirm", confirmation, room=sid)
            return confirmation

        @sio.on(self.user_message_evt)
        async def user_uttered(sid: str, data: object = None, *_: object) -> dict[str, Any]:
            session = await self._session_of(sid, data)
            if isinstance(session, str):
                return await refuse(sid, session)
            assert isinstance(data, dict)
            text = data.get("message")
            if not isinstance(text, str):
                return await refuse(sid, "not_text")
            if len(text) > MAX_MESSAGE_CHARACTERS:
                return await refuse(sid, "too_long")
            # The rule every channel cleans text with (channels.inbound).
            text = clean_text(text, MAX_MESSAGE_CHARACTERS)
            if not text:
                return await refuse(sid, "empty")
            message_id = data.get("message_id")
            if not (isinstance(message_id, str) and _MESSAGE_ID.fullmatch(message_id)):
                message_id = None
            elif self._recent.seen_before(session.session_id, message_id):
                logger.info("Web chat message delivered twice; handled once.")
                return {"status": "duplicate"}
            if not self._pace.allow(session.session_id):
                return await refuse(sid, "too_fast")
            metadata = data.get(self.metadata_key)
            reply_to = ReplyTo("webchat", session.session_id)
            message = UserMessage(
                text,
                ReplyOutput(sio, self.bot_message_evt),
                await _room(session),  # the sender id: replies go to this room
                input_channel=self.name(),
                message_id=message_id,
                metadata=reply_to.metadata(metadata if isinstance(metadata, dict) else None),
            )
            try:
                await on_new_message(message)
            except Exception as error:  # the user gets an answer, not silence
                # The exception's message may quote what the user wrote: log where, not what.
                logger.error(
                    "Web chat message could not be handled (%s):\n%s",
                    type(error).__name__,
                    "".join(traceback.format_tb(error.__traceback__)),
                )
                return await refuse(sid, "unavailable")
            return {"status": "accepted"}
