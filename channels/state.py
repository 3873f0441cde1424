"""What the messaging channels remember across restarts and server instances: which
deliveries were already processed (Twilio and Telegram deliver again when unsure) and
which numbers sent STOP.

Both live in the assistant's database (bot.runtime's; tables in bot/deliveries.py), so
several Rasa servers behind a load balancer agree. Numbers that opted out are stored
only as keyed hashes (the pseudonym key), never in clear."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import runtime
from bot.db import Database
from bot.deliveries import ChannelDelivery, ChannelOptOut
from bot.timestamps import utc

# Twilio and Telegram give up redelivering within a day; a week leaves room.
DELIVERY_MEMORY = timedelta(days=7)
_PRUNE_EVERY_SECONDS = 3600.0


class Deliveries:
    """Each delivery id is claimed once; a second claim means a duplicate delivery."""

    def __init__(self, channel: str, db: Database | None = None) -> None:
        self.channel = channel
        self._db = db
        self._pruned_at = 0.0

    @property
    def db(self) -> Database:
        return self._db or runtime.database()

    async def claim(self, delivery_id: str) -> bool:
        """True the first time this delivery is seen, False for a duplicate."""
        prune = time.monotonic() - self._pruned_at > _PRUNE_EVERY_SECONDS

        def _claim(session: Session) -> None:
            if prune:
                session.execute(
                    delete(ChannelDelivery).where(
                        ChannelDelivery.received_at < utc() - DELIVERY_MEMORY
                    )
                )
            session.add(
                ChannelDelivery(
                    channel=self.channel, delivery_id=delivery_id[:64], received_at=utc()
                )
            )

        try:
            await self.db.run(_claim)
        except IntegrityError:
            return False
        if prune:
            self._pruned_at = time.monotonic()
        return True

    async def release(self, delivery_id: str) -> None:
        """Forgets a claim whose processing failed, so a redelivery is processed."""

        def _release(session: Session) -> None:
            session.execute(
                delete(ChannelDelivery).where(
                    ChannelDelivery.channel == self.channel,
                    ChannelDelivery.delivery_id == delivery_id[:64],
                )
            )

        await self.db.run(_release)


def _sender_key(sender: str) -> str:
    key = runtime.pseudonym_key()
    return hmac.new(key, b"opt-out\x00" + sender.encode("utf-8"), hashlib.sha256).hexdigest()


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
