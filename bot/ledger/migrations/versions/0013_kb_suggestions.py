"""kb_suggestions: FAQ suggestions grouped from unanswered, unsure or unhelpful lookups

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None
UTC = bot.ledger.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("nearest", sa.Text(), nullable=False),
        sa.Column("proposed_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_suggestions_state", "kb_suggestions", ["state"])
    op.create_table(
        "kb_suggestion_members",
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("lookup_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("phrasing", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["suggestion_id"], ["kb_suggestions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lookup_id"], ["kb_lookups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("suggestion_id", "lookup_id"),
    )
    op.create_index("ix_kb_suggestion_members_lookup_id", "kb_suggestion_members", ["lookup_id"])
    op.create_table(
        "kb_decided_questions",
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["suggestion_id"], ["kb_suggestions.id"]),
        sa.PrimaryKeyConstraint("text_hash"),
    )
    op.create_table(
        "kb_suggestion_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("touched_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("kb_suggestion_lock")
    op.drop_table("kb_decided_questions")
    op.drop_index("ix_kb_suggestion_members_lookup_id", table_name="kb_suggestion_members")
    op.drop_table("kb_suggestion_members")
    op.drop_index("ix_kb_suggestions_state", table_name="kb_suggestions")
    op.drop_table("kb_suggestions")
