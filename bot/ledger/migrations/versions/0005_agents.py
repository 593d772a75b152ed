"""agents, console sessions; case assignment, take-over and rating

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
UTC = bot.ledger.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_agent_sessions_agent_id", "agent_sessions", ["agent_id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assigned_agent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("taken_over_by", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("csat_rating", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_cases_assigned_agent_id_agents", "agents", ["assigned_agent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_assigned_agent_id_agents", type_="foreignkey")
        batch.drop_column("csat_rating")
        batch.drop_column("taken_over_by")
        batch.drop_column("assigned_agent_id")
    op.drop_index("ix_agent_sessions_agent_id", table_name="agent_sessions")
    op.drop_table("agent_sessions")
    op.drop_table("agents")
