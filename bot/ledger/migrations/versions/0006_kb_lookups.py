"""knowledge-base lookups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 19:40:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", bot.ledger.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("faq_id", sa.String(length=80), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_lookups_at", "kb_lookups", ["at"])


def downgrade() -> None:
    op.drop_index("ix_kb_lookups_at", table_name="kb_lookups")
    op.drop_table("kb_lookups")
