"""Messaging channels: deliveries already processed, and senders who opted out (STOP).

Revision ID: 0004_channels
Revises: 0003_cases
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_channels"
down_revision = "0003_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_deliveries",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "delivery_id", name=op.f("pk_channel_deliveries")),
    )
    op.create_index(
        op.f("ix_channel_deliveries_received_at"), "channel_deliveries", ["received_at"]
    )
    op.create_table(
        "channel_opt_outs",
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_key", name=op.f("pk_channel_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("channel_opt_outs")
    op.drop_index(op.f("ix_channel_deliveries_received_at"), table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
