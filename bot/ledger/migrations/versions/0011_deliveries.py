"""deliveries: the case desk's transactional outbox towards the applicant's channel

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
UTC = bot.ledger.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("buttons", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deliveries_case_id", "deliveries", ["case_id"])
    op.create_index(
        "ix_deliveries_state_conversation", "deliveries", ["state", "conversation_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_state_conversation", table_name="deliveries")
    op.drop_index("ix_deliveries_case_id", table_name="deliveries")
    op.drop_table("deliveries")
