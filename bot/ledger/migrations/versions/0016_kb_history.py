"""kb_changes and kb_snapshots: the knowledge base's history (console and outside edits)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None
UTC = bot.ledger.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("file", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("entry_digest", sa.String(length=40), nullable=False),
        sa.Column("fingerprint_after", sa.String(length=40), nullable=False),
        sa.Column("snapshot_version", sa.Integer(), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("snapshot_version", "entry_id", name="uq_kb_changes_version_entry"),
    )
    op.create_index("ix_kb_changes_entry", "kb_changes", ["entry_id", "id"])
    op.create_table(
        "kb_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("kb_snapshots")
    op.drop_index("ix_kb_changes_entry", table_name="kb_changes")
    op.drop_table("kb_changes")
