"""Handoffs keep the channel address a reply needs (a phone number, a Telegram chat id),
encrypted (bot.encryption.EncryptedText, plain text at the column level). Conversations
themselves carry only pseudonymous sender ids (bot.pseudonym); this column is the one place
the real address is kept, and only for a conversation that was handed to an advisor.

Revision ID: 0006_handoff_reply_address
Revises: 0005_utc_timestamps
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_handoff_reply_address"
down_revision = "0005_utc_timestamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("reply_address", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("reply_address")
