"""Evidence files: one row per file (kind, sizes, SHA-256 as received and as stored, what
metadata was removed) and its content in encrypted chunks. Files held for a conversation (a
keyed hash) or given to a handoff are on the conversation side (evidence_files), a case's
on the case side (case_files); chunks name only their file (bot/evidence/store.py).

Revision ID: 0013_evidence
Revises: 0012_delivery_claims
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_evidence"
down_revision = "0012_delivery_claims"
branch_labels = None
depends_on = None


def _file_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mime_type", sa.String(80), nullable=False),
        sa.Column("received_size", sa.Integer(), nullable=False),
        sa.Column("received_sha256", sa.String(64), nullable=True),
        sa.Column("stored_size", sa.Integer(), nullable=False),
        sa.Column("stored_sha256", sa.String(64), nullable=True),
        sa.Column("scrubbed", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.String(120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        *_file_columns(),
        sa.Column("conversation_key", sa.String(64), nullable=True),
        sa.Column(
            "handoff_id",
            sa.String(36),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "(conversation_key IS NULL) <> (handoff_id IS NULL)", name="evidence_one_holder"
        ),
    )
    for column in ("conversation_key", "handoff_id"):
        op.create_index(f"ix_evidence_files_{column}", "evidence_files", [column])
    op.create_table(
        "case_files",
        *_file_columns(),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_index("ix_case_files_case_id", "case_files", ["case_id"])
    op.create_table(
        "evidence_chunks",
        sa.Column("file_id", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("token", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evidence_chunks")
    op.drop_index("ix_case_files_case_id", "case_files")
    op.drop_table("case_files")
    for column in ("conversation_key", "handoff_id"):
        op.drop_index(f"ix_evidence_files_{column}", "evidence_files")
    op.drop_table("evidence_files")
