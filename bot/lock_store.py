"""The conversation lock every Rasa server takes before it handles a message: in Redis
(REDIS_URL) when several servers share the conversations, else in this process.

endpoints.yml: `lock_store: {type: bot.lock_store.SharedLockStore}`.

Why not Rasa's own `RedisLockStore`: it issues and returns tickets by reading the lock,
changing it and writing it back, with nothing in between to stop a second server doing the
same. Two servers receiving messages for one conversation at the same moment both read "no
ticket", both take ticket 1 and both handle their message at once, on the same history
(a known race of open-source Rasa). It also calls Redis synchronously, on the event loop.
This store keeps Rasa's ticket lock (rasa.core.lock.TicketLock, first come first served,
each ticket expiring so a dead server cannot block a conversation; here after a short
lease that the living renew) but changes it only inside a Redis transaction that fails
and retries when another server changed it meanwhile (WATCH/MULTI), with the asyncio Redis
client.

Redis keys are `lock:<sender id>`: sender ids are pseudonyms (channels/addresses.py), never
a phone number or chat id."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Optional, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from redis import asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError

from bot.settings import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "lock:"
# How often a waiting message looks whether its turn came (Rasa's default is a second:
# the second of two messages sent together would wait that long for nothing).
POLL_SECONDS = 0.05
# A lock's key outlives its last ticket by this much, then Redis drops it.
KEY_MARGIN_SECONDS = 60
SOCKET_TIMEOUT_SECONDS = 10
# A ticket is a lease that its server renews while it waits or works (every
# RENEW_FRACTION of it), for as long as Rasa's lock lifetime allows: the ticket of a server
# killed in the middle of a turn then expires within a lease instead of the lock lifetime
# (60 s), and the conversation's next message, on another server, goes on.
LEASE_SECONDS = 8.0
RENEW_FRACTION = 0.25

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], tuple[Optional[TicketLock], T]]


class SharedLockStore(LockStore):
    """Rasa builds it from endpoints.yml (`endpoint_config`); `url` overrides REDIS_URL."""

    def __init__(self, endpoint_config: Any = None, url: Optional[str] = None) -> None:
        super().__init__()
        url = url or settings().redis_url
        self._local = InMemoryLockStore() if not url else None
        self._redis = (
            aioredis.Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            )
            if url
            else None
        )
        logger.info("Conversation locks: %s", "Redis" if url else "in this process")

    @property
    def shared(self) -> bool:
        return self._redis is not None

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        if self._local is not None:
            async with self._local.lock(
                conversation_id, lock_lifetime, wait_time_in_seconds
            ) as held:
                yield held
            return
        lease = min(lock_lifetime, LEASE_SECONDS)
        ticket = await self._change(conversation_id, _issue(conversation_id, lease))
        renewing = asyncio.create_task(
            self._renew(conversation_id, ticket, lease, time.monotonic() + lock_lifetime)
        )
        try:
            yield await self._wait_for_turn(conversation_id, ticket, wait_time_in_seconds)
        finally:
            renewing.cancel()
            await self._change(conversation_id, _return(ticket))

    async def _renew(self, conversation_id: str, ticket: int, lease: float, until: float) -> None:
        """Extends the ticket's lease while this server waits or works, up to the lock's
        lifetime as Rasa sets it. A server that died renews nothing: its ticket expires
        within a lease and the conversation's next message goes on."""
        while time.monotonic() < until:
            await asyncio.sleep(lease * RENEW_FRACTION)
            try:
                await self._change(conversation_id, _extend(ticket, lease))
            except LockError:  # Redis away for a moment: the next renewal tries again
                continue

    async def _wait_for_turn(self, conversation_id: str, ticket: int, wait: float) -> TicketLock:
        while True:
            lock = await self._change(conversation_id, _drop_expired)
            if lock is None or all(t.number != ticket for t in lock.tickets):
                # Our ticket expired while the ones before it were served (Rasa: the same).
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(min(wait, POLL_SECONDS))

    async def _change(self, conversation_id: str, change: Change[T]) -> T:
        """Applies `change` to the stored lock atomically: if another server writes the
        lock between our read and our write, the write is refused and we read again.

        A connection that Redis dropped (it restarted) is tried once more on a new one: it
        changed nothing, since Redis keeps nothing across a restart, and the message would
        otherwise fail for a connection the pool kept from before."""
        assert self._redis is not None
        key = KEY_PREFIX + conversation_id
        try:
            try:
                return await self._change_once(key, change)
            except RedisConnectionError:
                return await self._change_once(key, change)
        except RedisError as error:
            # LockError is what Rasa's channels expect when a lock cannot be had.
            raise LockError(f"the lock store failed ({type(error).__name__})") from None

    async def _change_once(self, key: str, change: Change[T]) -> T:
        assert self._redis is not None
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    stored = await pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    changed, result = change(lock)
                    pipe.multi()
                    if changed is None or not changed.tickets:
                        pipe.delete(key)
                    else:
                        last = max(t.expires for t in changed.tickets)
                        expiry = int(last - time.time() + KEY_MARGIN_SECONDS)
                        pipe.set(key, changed.dumps(), ex=max(expiry, 1))
                    await pipe.execute()
                    return result
                except WatchError:
                    continue

    # Rasa's synchronous interface, used only by LockStore.lock, which this class replaces.
    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        raise NotImplementedError("SharedLockStore is used through lock()")

    def delete_lock(self, conversation_id: str) -> None:
        raise NotImplementedError("SharedLockStore is used through lock()")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("SharedLockStore is used through lock()")

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()


def _issue(conversation_id: str, lifetime: float) -> Change[int]:
    def change(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], int]:
        lock = lock or TicketLock(conversation_id)
        return lock, lock.issue_ticket(lifetime)

    return change


def _extend(ticket: int, lease: float) -> Change[None]:
    def change(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
        for held in lock.tickets if lock is not None else []:
            if held.number == ticket:
                held.expires = max(held.expires, time.time() + lease)
        return lock, None

    return change


def _drop_expired(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], Optional[TicketLock]]:
    if lock is not None:
        lock.remove_expired_tickets()
    return lock, lock


def _return(ticket: int) -> Change[None]:
    def change(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
        if lock is not None:
            lock.remove_ticket_for(ticket)
        return lock, None

    return change
