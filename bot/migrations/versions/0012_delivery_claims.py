"""A delivery's claim says whether it was processed: `done` is false while a Rasa server
handles it, and `renewals` counts up while that server is alive. A redelivery that finds a
claim not done and no longer renewed (its server died in the middle of the turn) takes it
over and processes the message, instead of dropping it as a duplicate (channels/state.py).
Claims from before this revision were processed.

Revision ID: 0012_delivery_claims
Revises: 0011_report_submissions
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_delivery_claims"
down_revision = "0011_report_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_deliveries") as batch:
        batch.add_column(sa.Column("done", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("renewals", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("channel_deliveries") as batch:
        batch.drop_column("renewals")
        batch.drop_column("done")
