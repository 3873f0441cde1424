"""One way of storing moments: every timestamp column becomes `timestamp with time zone`
(bot.timestamps.UtcDateTime), as the handoff and channel tables already were. The case
tables held UTC without a zone; the values are read as UTC.

SQLite stores both kinds alike (text without a zone), so there is nothing to change there.

Revision ID: 0005_utc_timestamps
Revises: 0004_channels
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_utc_timestamps"
down_revision = "0004_channels"
branch_labels = None
depends_on = None

# Columns that held UTC without a zone (0003_cases), by table, with their nullability.
COLUMNS: dict[str, dict[str, bool]] = {
    "cases": {
        "received_at": False,
        "acknowledged_at": True,
        "assessment_started_at": True,
        "referred_at": True,
        "investigation_started_at": True,
        "closed_at": True,
        "acknowledgement_due": False,
        "feedback_due": False,
        "feedback_given_at": True,
    },
    "case_messages": {"sent_at": False, "read_by_reporter_at": True},
    "audit_entries": {"at": False},
    "receipt_attempts": {"at": False, "locked_until": True},
}


def _convert(with_zone: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    before, after = sa.DateTime(timezone=not with_zone), sa.DateTime(timezone=with_zone)
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, nullable in columns.items():
                # Both ways, AT TIME ZONE 'UTC' keeps the moment: a zoneless value is read
                # as UTC, a zoned one written as UTC (not in the session's time zone).
                batch.alter_column(
                    column,
                    type_=after,
                    existing_type=before,
                    existing_nullable=nullable,
                    postgresql_using=f"{column} AT TIME ZONE 'UTC'",
                )


def upgrade() -> None:
    _convert(with_zone=True)


def downgrade() -> None:
    _convert(with_zone=False)
