"""The tables behind what the messaging channels remember (channels/state.py uses them):
deliveries already processed, and senders who opted out, as keyed hashes only."""

from __future__ import annotations

from sqlalchemy import Column, String

from bot.db import Base
from bot.timestamps import UtcDateTime


class ChannelDelivery(Base):
    __tablename__ = "channel_deliveries"

    channel = Column(String(16), primary_key=True)
    delivery_id = Column(String(64), primary_key=True)
    received_at = Column(UtcDateTime, nullable=False, index=True)


class ChannelOptOut(Base):
    __tablename__ = "channel_opt_outs"

    sender_key = Column(String(64), primary_key=True)
    opted_out_at = Column(UtcDateTime, nullable=False)
