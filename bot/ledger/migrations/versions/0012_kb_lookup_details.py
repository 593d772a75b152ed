"""kb_lookups: the conversation, the answer's confidence, its outcome and the feedback

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_lookups") as table:
        table.add_column(sa.Column("conversation_id", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        table.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        table.add_column(sa.Column("feedback", sa.String(length=20), nullable=True))
    op.create_index("ix_kb_lookups_conversation_id", "kb_lookups", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_kb_lookups_conversation_id", table_name="kb_lookups")
    with op.batch_alter_table("kb_lookups") as table:
        for column in ("feedback", "outcome", "confidence", "conversation_id"):
            table.drop_column(column)
