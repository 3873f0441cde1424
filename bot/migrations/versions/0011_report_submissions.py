"""A report's sending is recognised when it comes again: `cases.submission_digest`, a keyed
hash (HMAC with the receipt look-up key) of what makes one report's sending the same on
every try (bot.cases.store.CaseStore.submit_report). An action server that died after
storing a report but before answering leaves the user without a receipt; sending again
then renews the receipt of that case instead of storing the report twice. What is hashed
lives only in the conversation (kept 30 days), so once that is deleted the digest leads
nowhere.

Revision ID: 0011_report_submissions
Revises: 0010_native_reviews
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_report_submissions"
down_revision = "0010_native_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("submission_digest", sa.String(64), nullable=True))
        batch.create_unique_constraint(op.f("uq_cases_submission_digest"), ["submission_digest"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint(op.f("uq_cases_submission_digest"), type_="unique")
        batch.drop_column("submission_digest")
