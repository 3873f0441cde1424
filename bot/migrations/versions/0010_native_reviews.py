"""Native-speaker review of the answers: per response and language, which console account
reviewed the text as a native speaker of the language, and when (bot.content.edits). No row:
a translation (or seed text) awaiting a native speaker's review.

Revision ID: 0010_native_reviews
Revises: 0009_overview
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_native_reviews"
down_revision = "0009_overview"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_native_reviews",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "language", name=op.f("pk_content_native_reviews")),
    )


def downgrade() -> None:
    op.drop_table("content_native_reviews")
