"""What the messaging channels remember across restarts and server instances: which
deliveries were already processed (Twilio and Telegram deliver again when unsure) and
which numbers sent STOP.

Both live in the assistant's database (bot.runtime's; tables in bot/deliveries.py), so
several Rasa servers behind a load balancer agree. Numbers that opted out and delivery ids
are stored only as keyed hashes (each with its own key derived from the pseudonym key,
bot.pseudonym), never in clear.

A delivery older than what is remembered could be taken for a new one: Telegram updates
older than DELIVERY_MEMORY are refused by their date (channels/telegram.py); Twilio signs
no timestamp, so its MessageSids are remembered as long as conversations are kept
(TWILIO_DELIVERY_MEMORY)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import delete, select
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


class Deliveries:
    """Each delivery id is claimed once; a second claim means a duplicate delivery."""

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
        """True the first time this delivery is seen, False for a duplicate. Raises when
        the database cannot tell: the caller must then not process it (fail closed)."""
        prune = time.monotonic() - self._pruned_at > _PRUNE_EVERY_SECONDS
        key = self._key(delivery_id)

        def _claim(session: Session) -> None:
            if prune:
                session.execute(
                    delete(ChannelDelivery).where(
                        ChannelDelivery.channel == self.channel,
                        ChannelDelivery.received_at < utc() - self.memory,
                    )
                )
            session.add(ChannelDelivery(channel=self.channel, delivery_id=key, received_at=utc()))

        try:
            await self.db.run(_claim)
        except IntegrityError:
            return False
        if prune:
            self._pruned_at = time.monotonic()
        return True

    async def release(self, delivery_id: str) -> None:
        """Forgets a claim whose processing failed, so a redelivery is processed."""

        key = self._key(delivery_id)

        def _release(session: Session) -> None:
            session.execute(
                delete(ChannelDelivery).where(
                    ChannelDelivery.channel == self.channel,
                    ChannelDelivery.delivery_id == key,
                )
            )

        await self.db.run(_release)


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
