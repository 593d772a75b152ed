"""claims on inbound messages: one handler per platform id, across processes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.ledger.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("claimed_until", bot.ledger.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("claimed_until")
