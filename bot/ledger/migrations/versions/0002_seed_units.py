"""seed units

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:05:00
"""

import sqlalchemy as sa
from alembic import op

from bot.ledger.units import SEED_UNITS

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

units = sa.table(
    "units",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(units, [{"code": c, "name": n, "active": True} for c, n in SEED_UNITS])


def downgrade() -> None:
    op.execute(units.delete().where(units.c.code.in_([code for code, _ in SEED_UNITS])))
