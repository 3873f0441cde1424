"""What the messaging channels remember across restarts and server instances: which
deliveries were already processed (Twilio and Telegram deliver again when unsure) and
which numbers sent STOP.

A delivery is claimed before it is processed and marked done after; a redelivery that
finds a claim whose server died in the middle of it processes the message (Deliveries).

Both live in the assistant's database (bot.runtime's; tables in bot/deliveries.py), so
several Rasa servers behind a load balancer agree. Numbers that opted out and delivery ids
are stored only as keyed hashes (each with its own key derived from the pseudonym key,
bot.pseudonym), never in clear.

A delivery older than what is remembered could be taken for a new one: Telegram updates
older than DELIVERY_MEMORY are refused by their date (channels/telegram.py); Twilio signs
no timestamp, so its MessageSids are remembered as long as conversations are kept
(TWILIO_DELIVERY_MEMORY)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import runtime
from bot.db import Database
from bot.deliveries import ChannelDelivery, ChannelOptOut
from bot.pseudonym import DELIVERY, OPT_OUT, keyed_hash
from bot.timestamps import utc

# Twilio and Telegram give up redelivering within a day; a week leaves room. Telegram
# updates older than this are refused by their date, so a replay finds no gap.
DELIVERY_MEMORY = timedelta(days=7)
# Twilio signs no timestamp: a captured request stays valid for ever. Its MessageSid is
# remembered at least as long as conversations are kept (30 days, the retention of
# conversations), so a replay can never add to a conversation that still exists.
TWILIO_DELIVERY_MEMORY = timedelta(days=30)
_PRUNE_EVERY_SECONDS = 3600.0
# A server processing a delivery renews its claim this often; a claim not renewed for
# ABANDONED_SECONDS belongs to a server that died. A redelivery waits at most SETTLE_SECONDS
# for another server's claim before it asks the platform to deliver again later (Twilio
# waits 15 s for an answer).
RENEW_SECONDS = 2.0
ABANDONED_SECONDS = 6.0
SETTLE_SECONDS = 10.0
_POLL_SECONDS = 0.25

logger = logging.getLogger(__name__)


class StillHandled(Exception):
    """Another server claimed this delivery, is alive and has not finished it yet."""


class Deliveries:
    """Each delivery id is processed once: the first server to see it claims it, and a
    redelivery finds the claim. A claim is `done` once processed; until then its server
    renews it every RENEW_SECONDS. A redelivery that finds a claim not done waits for it:
    done means a duplicate; renewed no more for ABANDONED_SECONDS means its server died in
    the middle of the turn (before the conversation was saved), and the redelivery takes
    the claim over and processes the message, so nothing the user sent is lost."""

    def __init__(
        self, channel: str, db: Database | None = None, memory: timedelta = DELIVERY_MEMORY
    ) -> None:
        self.channel = channel
        self._db = db
        self.memory = memory
        self._pruned_at = 0.0

    @property
    def db(self) -> Database:
        return self._db or runtime.database()

    def _key(self, delivery_id: str) -> str:
        # A keyed hash: a MessageSid or update id would otherwise tell when a number wrote.
        return keyed_hash(runtime.purpose_key(DELIVERY), f"{self.channel}:{delivery_id}")

    async def claim(self, delivery_id: str) -> bool:
        """True when this server is to process the delivery: the first time it is seen, or
        when the server that claimed it died before finishing. False for a delivery already
        processed. Raises StillHandled when another server is still at it after
        SETTLE_SECONDS, and the database's error when the database cannot tell: the caller
        must then not process it (fail closed)."""
        key = self._key(delivery_id)
        if await self._insert(key):
            return True
        return await self._settle(key)

    @asynccontextmanager
    async def processing(self, delivery_id: str) -> AsyncIterator[None]:
        """Held while this server processes a delivery it claimed: the claim is renewed
        meanwhile and marked done at the end. After an error it is left as it is (release
        forgets it); after a cancellation it is renewed no more, so a redelivery takes it."""
        key = self._key(delivery_id)
        renewing = asyncio.create_task(self._renew(key))
        try:
            yield
        finally:
            renewing.cancel()
        try:
            await self.db.run(lambda session: self._update(session, key, done=True))
        except Exception as error:  # processed all the same; a redelivery may process it again
            logger.warning("A processed delivery could not be marked done (%s).",
                           type(error).__name__)  # fmt: skip

    async def release(self, delivery_id: str) -> None:
        """Forgets a claim whose processing failed, so a redelivery is processed."""

        key = self._key(delivery_id)

        def _release(session: Session) -> None:
            session.execute(delete(ChannelDelivery).where(*self._this(key)))

        await self.db.run(_release)

    def _this(self, key: str) -> tuple[Any, ...]:
        return (ChannelDelivery.channel == self.channel, ChannelDelivery.delivery_id == key)

    async def _insert(self, key: str) -> bool:
        prune = time.monotonic() - self._pruned_at > _PRUNE_EVERY_SECONDS

        def _claim(session: Session) -> None:
            if prune:
                session.execute(
                    delete(ChannelDelivery).where(
                        ChannelDelivery.channel == self.channel,
                        ChannelDelivery.received_at < utc() - self.memory,
                    )
                )
            claim = ChannelDelivery(channel=self.channel, delivery_id=key, received_at=utc())
            claim.done, claim.renewals = False, 0
            session.add(claim)

        try:
            await self.db.run(_claim)
        except IntegrityError:
            return False
        if prune:
            self._pruned_at = time.monotonic()
        return True

    async def _settle(self, key: str) -> bool:
        """Waits for the outcome of another server's claim; True once this server took it.
        Time is this server's own (monotonic): servers' clocks need not agree."""
        clock = asyncio.get_running_loop().time
        started = seen_at = clock()
        seen: int | None = None
        while True:
            state = await self.db.run(lambda session: self._state(session, key))
            now = clock()
            if state is None:  # its processing failed and it was released
                if await self._insert(key):
                    return True
            elif state[0]:
                return False
            elif state[1] != seen:
                seen, seen_at = state[1], now
            elif now - seen_at >= ABANDONED_SECONDS:
                take_over = partial(self._update, key=key, done=False, renewals=seen)
                if await self.db.run(take_over):
                    logger.warning("A %s delivery's server stopped in the middle of it; "
                                   "this server processes it.", self.channel)  # fmt: skip
                    return True
            if now - started >= SETTLE_SECONDS:
                raise StillHandled()
            await asyncio.sleep(_POLL_SECONDS)

    def _state(self, session: Session, key: str) -> tuple[bool, int] | None:
        row = session.execute(
            select(ChannelDelivery.done, ChannelDelivery.renewals).where(*self._this(key))
        ).first()
        return None if row is None else (bool(row[0]), int(row[1]))

    def _update(self, session: Session, key: str, done: bool, renewals: int | None = None) -> bool:
        """Renews a claim not done (or marks it done); with `renewals`, only if the claim
        was renewed exactly that often, so of two servers taking it over one wins."""
        where = [*self._this(key), ChannelDelivery.done.is_(False)]
        if renewals is not None:
            where.append(ChannelDelivery.renewals == renewals)
        result = session.execute(
            update(ChannelDelivery)
            .where(*where)
            .values(renewals=ChannelDelivery.renewals + 1, done=done)
        )
        return bool(result.rowcount)

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await self.db.run(lambda session: self._update(session, key, done=False))
            except Exception as error:  # tried again; a claim not renewed may be taken over
                logger.warning("A delivery's claim could not be renewed (%s).",
                               type(error).__name__)  # fmt: skip


def _sender_key(sender: str) -> str:
    return keyed_hash(runtime.purpose_key(OPT_OUT), sender)


class OptOuts:
    """Senders who asked for no more messages (STOP) until they ask again (START)."""

    def __init__(self, db: Database | None = None) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db or runtime.database()

    async def contains(self, sender: str) -> bool:
        def _contains(session: Session) -> bool:
            row = session.execute(
                select(ChannelOptOut.sender_key).where(
                    ChannelOptOut.sender_key == _sender_key(sender)
                )
            ).first()
            return row is not None

        return await self.db.run(_contains)

    async def add(self, sender: str) -> bool:
        """Records the opt-out; False when the sender had already opted out."""

        def _add(session: Session) -> bool:
            key = _sender_key(sender)
            if session.get(ChannelOptOut, key) is not None:
                return False
            session.add(ChannelOptOut(sender_key=key, opted_out_at=utc()))
            return True

        try:
            return await self.db.run(_add)
        except IntegrityError:  # two STOPs at the same moment
            return False

    async def remove(self, sender: str) -> bool:
        """Lifts the opt-out; False when there was none."""

        def _remove(session: Session) -> bool:
            result = session.execute(
                delete(ChannelOptOut).where(ChannelOptOut.sender_key == _sender_key(sender))
            )
            return bool(result.rowcount)

        return await self.db.run(_remove)
