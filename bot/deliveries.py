"""The tables behind what the messaging channels remember (channels/state.py uses them):
deliveries claimed or processed, and senders who opted out, as keyed hashes only."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, true

from bot.db import Base
from bot.timestamps import UtcDateTime


class ChannelDelivery(Base):
    __tablename__ = "channel_deliveries"

    channel = Column(String(16), primary_key=True)
    delivery_id = Column(String(64), primary_key=True)
    received_at = Column(UtcDateTime, nullable=False, index=True)
    # False while a server handles it; its renewals count up meanwhile, so a redelivery can
    # tell a server still at work from one that died (channels/state.py).
    done = Column(Boolean, nullable=False, server_default=true())
    renewals = Column(Integer, nullable=False, server_default="0")


class ChannelOptOut(Base):
    __tablename__ = "channel_opt_outs"

    sender_key = Column(String(64), primary_key=True)
    opted_out_at = Column(UtcDateTime, nullable=False)
