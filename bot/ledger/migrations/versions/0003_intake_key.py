"""intake key and registration number on cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("intake_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("registration_number", sa.String(length=40), nullable=True))
        batch.create_unique_constraint("uq_cases_intake_key", ["intake_key"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_intake_key", type_="unique")
        batch.drop_column("registration_number")
        batch.drop_column("intake_key")
