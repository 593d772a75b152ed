"""messages and channel cursors

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:40:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("part", sa.Integer(), nullable=True),
        sa.Column("at", bot.ledger.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", bot.ledger.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["reply_to_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "direction", "external_id", name="uq_messages_external"),
    )
    op.create_index("ix_messages_reply_to_id", "messages", ["reply_to_id"])
    op.create_index("ix_messages_channel_at", "messages", ["channel", "at"])
    op.create_index("ix_messages_conversation", "messages", ["channel", "conversation_id"])
    op.create_table(
        "channel_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("updated_at", bot.ledger.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("channel_cursors")
    op.drop_index("ix_messages_conversation", table_name="messages")
    op.drop_index("ix_messages_channel_at", table_name="messages")
    op.drop_index("ix_messages_reply_to_id", table_name="messages")
    op.drop_table("messages")
