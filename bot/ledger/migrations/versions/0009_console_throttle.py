"""console log-in throttling per (account, source) instead of a lock-out per account

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:30:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
UTC = bot.ledger.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", UTC, nullable=True),
        sa.Column("last_failure_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_login_throttles_last_failure_at", "login_throttles", ["last_failure_at"])
    # Plain ALTER TABLE (SQLite >= 3.35 too): a batch copy of "agents" would trip the
    # foreign keys of agent_sessions and cases.
    op.drop_column("agents", "locked_until")
    op.drop_column("agents", "failed_logins")


def downgrade() -> None:
    op.add_column(
        "agents",
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("agents", sa.Column("locked_until", UTC, nullable=True))
    op.drop_index("ix_login_throttles_last_failure_at", table_name="login_throttles")
    op.drop_table("login_throttles")
