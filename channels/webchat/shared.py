"""The web chat across several Rasa servers (REDIS_URL set): a socket lives on one server,
and a message for it may be sent by another (an advisor's reply from the console reaches
whichever server the console called).

- `SealedRedisManager`: python-socketio's AsyncRedisManager, which passes every emit to
  every server over Redis pub/sub, with each message sealed with the project's key on the
  way: what users and advisors write never crosses Redis readable, and a message older
  than MAX_AGE_SECONDS (a replay) is dropped.
- `Presence`: which conversations have a window open on any server. python-socketio knows
  only its own server's rooms; a server that is asked to send an advisor's message needs
  to know whether some server holds the socket, or the console would show "delivered" for
  a window that is closed. Each server keeps, per conversation room, its sockets in a
  Redis sorted set with an expiry time it renews while they stay open; a server killed
  outright stops renewing, and its sockets count as closed PRESENCE_SECONDS later.

Rooms are sender ids (`webchat:<keyed hash>`), never a session token."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Optional

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from socketio import AsyncRedisManager

from bot.encryption import EncryptionKeyError, TextCipher, text_cipher

logger = logging.getLogger(__name__)

CHANNEL = "veilig-melden-webchat"
MAX_AGE_SECONDS = 300
PRESENCE_SECONDS = 30  # how long an unrenewed socket still counts as open
RENEW_SECONDS = PRESENCE_SECONDS / 3
SOCKET_TIMEOUT_SECONDS = 5


class SealedRedisManager(AsyncRedisManager):
    def __init__(self, url: str, cipher: Optional[TextCipher] = None, **options: Any) -> None:
        super().__init__(url, channel=CHANNEL, **options)
        # Built now, before the server's loop runs: the key may be read from a file.
        self._cipher = cipher or text_cipher()

    async def _publish(self, data: Any) -> Any:
        sealed = self._cipher.encrypt_dated(json.dumps(data))
        return await super()._publish({"sealed": sealed})

    async def _listen(self) -> AsyncIterator[Any]:
        async for raw in super()._listen():
            try:
                sealed = json.loads(raw)["sealed"]
                yield json.loads(self._cipher.decrypt_recent(sealed, MAX_AGE_SECONDS, time.time()))
            except (ValueError, KeyError, TypeError, EncryptionKeyError) as error:
                logger.warning(
                    "A web chat message from Redis was dropped (%s).", type(error).__name__
                )


def _key(room: str) -> str:
    return f"webchat:open:{room}"


class Presence:
    """This server's open sockets per conversation room, shared through Redis."""

    def __init__(self, url: str) -> None:
        self._redis = aioredis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self._server = uuid.uuid4().hex
        self._rooms: dict[str, str] = {}  # socket id -> room, on this server
        self._renewer: Optional[asyncio.Task[None]] = None

    def _member(self, sid: str) -> str:
        return f"{self._server}:{sid}"

    async def opened(self, sid: str, room: str) -> None:
        self._rooms[sid] = room
        if self._renewer is None:
            self._renewer = asyncio.create_task(self._renew_forever())
        await self._mark({sid: room})

    async def closed(self, sid: str) -> None:
        room = self._rooms.pop(sid, None)
        if room is None:
            return
        try:
            await self._redis.zrem(_key(room), self._member(sid))
        except RedisError as error:
            logger.warning("Web chat presence not updated (%s).", type(error).__name__)

    async def is_open(self, room: str) -> bool:
        """Whether a socket of `room` is open on some server (False when Redis fails)."""
        try:
            return bool(await self._redis.zcount(_key(room), time.time(), "+inf"))
        except RedisError as error:
            logger.warning("Web chat presence not read (%s).", type(error).__name__)
            return False

    async def _mark(self, rooms: dict[str, str]) -> None:
        until = time.time() + PRESENCE_SECONDS
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for sid, room in rooms.items():
                    pipe.zremrangebyscore(_key(room), "-inf", time.time())
                    pipe.zadd(_key(room), {self._member(sid): until})
                    pipe.expire(_key(room), int(PRESENCE_SECONDS) + 1)
                await pipe.execute()
        except RedisError as error:
            logger.warning("Web chat presence not updated (%s).", type(error).__name__)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            if self._rooms:
                await self._mark(dict(self._rooms))

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
        for sid in list(self._rooms):
            await self.closed(sid)
        await self._redis.close()
