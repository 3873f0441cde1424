"""The advisor directory: posts (embassies, consulates, representations, HQ) and advisors.

Revision ID: 0001_directory
Revises: 0000_base
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_directory"
down_revision = "0000_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("calling_code", sa.String(8), nullable=False),
        sa.Column("city_names", sa.JSON(), nullable=False),
        sa.Column("country_names", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
    )
    op.create_index("ix_posts_country", "posts", ["country"])
    op.create_index("ix_posts_region", "posts", ["region"])
    op.create_table(
        "advisors",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("posts", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column(
            "home_post",
            sa.String(32),
            sa.ForeignKey("posts.code", name="fk_advisors_home_post_posts"),
            nullable=True,
        ),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("whatsapp", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_advisors_kind", "advisors", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_advisors_kind", table_name="advisors")
    op.drop_table("advisors")
    op.drop_index("ix_posts_region", table_name="posts")
    op.drop_index("ix_posts_country", table_name="posts")
    op.drop_table("posts")
