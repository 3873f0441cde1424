"""Case store: cases, messages between reporter and coordinator, the audit log, and the
attempts behind the receipt lockout (bot/cases/).

Encrypted columns are plain TEXT here: they hold Fernet tokens, encrypted in Python.

Revision ID: 0003_cases
Revises: 0002_handoffs
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_cases"
down_revision = "0002_handoffs"
branch_labels = None
depends_on = None

STATUSES = (
    "received",
    "acknowledged",
    "in_assessment",
    "referred",
    "under_investigation",
    "closed",
)
CONTACTS = ("anonymous", "this_channel", "email", "phone")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("passphrase_hash", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("when_words", sa.Text(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("occurred_precision", sa.String(8), nullable=True),
        sa.Column("post_code", sa.String(20), nullable=True),
        sa.Column("where_words", sa.Text(), nullable=True),
        sa.Column("involved", sa.Text(), nullable=True),
        sa.Column("witnesses", sa.Text(), nullable=True),
        sa.Column("spoke_to", sa.String(20), nullable=True),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("contact_details", sa.Text(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("conversation_reference", sa.String(40), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("assessment_started_at", sa.DateTime(), nullable=True),
        sa.Column("referred_at", sa.DateTime(), nullable=True),
        sa.Column("investigation_started_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledgement_due", sa.DateTime(), nullable=False),
        sa.Column("feedback_due", sa.DateTime(), nullable=False),
        sa.Column("feedback_given_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_cases_code_digest")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_cases_status")),
        sa.CheckConstraint(_in("contact", CONTACTS), name=op.f("ck_cases_contact")),
    )
    op.create_index(op.f("ix_cases_status"), "cases", ["status"])

    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(20), nullable=False),
        sa.Column("author_name", sa.String(100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("is_feedback", sa.Boolean(), nullable=False),
        sa.Column("read_by_reporter_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_messages")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_messages_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            _in("author", ("reporter", "coordinator")), name=op.f("ck_case_messages_author")
        ),
    )
    op.create_index(op.f("ix_case_messages_case_id"), "case_messages", ["case_id"])

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_audit_entries_case_id_cases"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(op.f("ix_audit_entries_at"), "audit_entries", ["at"])
    op.create_index(op.f("ix_audit_entries_case_id"), "audit_entries", ["case_id"])

    op.create_table(
        "receipt_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_attempts")),
    )
    op.create_index(op.f("ix_receipt_attempts_at"), "receipt_attempts", ["at"])
    op.create_index(op.f("ix_receipt_attempts_subject_at"), "receipt_attempts", ["subject", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_receipt_attempts_subject_at"), table_name="receipt_attempts")
    op.drop_index(op.f("ix_receipt_attempts_at"), table_name="receipt_attempts")
    op.drop_table("receipt_attempts")
    op.drop_index(op.f("ix_audit_entries_case_id"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_at"), table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index(op.f("ix_case_messages_case_id"), table_name="case_messages")
    op.drop_table("case_messages")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_table("cases")
