"""indexes for reports over a period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:50:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_received_at", "cases", ["received_at"])
    op.create_index("ix_messages_at", "messages", ["at"])


def downgrade() -> None:
    op.drop_index("ix_messages_at", table_name="messages")
    op.drop_index("ix_cases_received_at", table_name="cases")
