"""Handoffs: conversations handed to an advisor (or the pool for a post and language).

The transcript and the phone number are stored encrypted (bot.encryption.EncryptedText),
which is plain text at the column level.

Revision ID: 0002_handoffs
Revises: 0001_directory
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_handoffs"
down_revision = "0001_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("post_code", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_ref", sa.String(32), nullable=False),
        sa.Column("advisor_id", sa.String(64), nullable=True),
        sa.Column("pool_language", sa.String(8), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('new', 'in_progress', 'closed')", name="status"),
        sa.CheckConstraint("advisor_id IS NOT NULL OR pool_language IS NOT NULL", name="target"),
    )
    op.create_index("ix_handoffs_status", "handoffs", ["status"])
    op.create_index("ix_handoffs_created_at", "handoffs", ["created_at"])
    op.create_index("ix_handoffs_conversation_ref", "handoffs", ["conversation_ref"])
    op.create_index("ix_handoffs_advisor_id", "handoffs", ["advisor_id"])
    op.create_index("ix_handoffs_post_code", "handoffs", ["post_code"])


def downgrade() -> None:
    for index in ("post_code", "advisor_id", "conversation_ref", "created_at", "status"):
        op.drop_index(f"ix_handoffs_{index}", table_name="handoffs")
    op.drop_table("handoffs")
