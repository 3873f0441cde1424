"""The console's audit names the evidence file an advisor opened (`file_id`), next to the
handoff it belongs to; a coordinator's opening of a case's file is in the case's own audit
(`case.file_opened`, the file id as its detail).

Revision ID: 0014_console_file_audit
Revises: 0013_evidence
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_console_file_audit"
down_revision = "0013_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("console_audit") as batch:
        batch.add_column(sa.Column("file_id", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("console_audit") as batch:
        batch.drop_column("file_id")
