"""The annual overview: what a purged case leaves, as counts per year, quarter, measure and
value (bot/retention/overview.py), instead of case_counts' year, kind and outcome alone.
case_counts stays: the overview still counts what earlier purges left there.

Revision ID: 0009_overview
Revises: 0008_console
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_overview"
down_revision = "0008_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overview_counts",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(30), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "year", "quarter", "measure", "value", name=op.f("pk_overview_counts")
        ),
    )


def downgrade() -> None:
    # What purges counted here since 0009 goes with the table (case_counts cannot hold it).
    op.drop_table("overview_counts")
