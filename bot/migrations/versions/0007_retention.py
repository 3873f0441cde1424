"""Retention: counts of deleted cases for the annual overview (bot/retention/overview.py),
and the operating-system account behind each coordinator's audit entry (the name given with
--by is the coordinator's own word; the account is what the machine knows).

Revision ID: 0007_retention
Revises: 0006_handoff_reply_address
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_retention"
down_revision = "0006_handoff_reply_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_counts",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "kind", "outcome", name=op.f("pk_case_counts")),
    )
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("os_account", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("os_account")
    op.drop_table("case_counts")
