"""clocks stored on the case (SLA, verification, follow-up) and the queue's indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00

Existing cases get their clocks from their events, with the default calendar
(the service hours of bot/ledger/calendar.py, public holidays and cuti bersama).
"""

import itertools

import sqlalchemy as sa
from alembic import op

import bot.ledger.models
from bot.ledger.calendar import WorkingCalendar
from bot.ledger.clocks import replay

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
UTC = bot.ledger.models.UTCDateTime(timezone=True)
COLUMNS = (
    "sla_due_at",
    "resolved_at",
    "verification_due_at",
    "verified_at",
    "forwarded_at",
    "followup_due_at",
    "followed_up_at",
)
INDEXES = {
    "ix_cases_queue": ["sla_due_at", "id"],
    "ix_cases_status_queue": ["status", "sla_due_at", "id"],
    "ix_cases_assignee_queue": ["assigned_agent_id", "sla_due_at", "id"],
}
BATCH = 2000


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (no batch copy of "cases": see 0009).
    for name in COLUMNS:
        op.add_column("cases", sa.Column(name, UTC, nullable=True))
    _backfill()
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)


def _backfill() -> None:
    connection = op.get_bind()
    meta = sa.MetaData()
    cases = sa.Table(
        "cases",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("received_at", UTC),
        *(sa.Column(name, UTC) for name in COLUMNS),
    )
    events = sa.Table(
        "case_events",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer),
        sa.Column("at", UTC),
        sa.Column("type", sa.String),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
    )
    calendar = WorkingCalendar()
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(cases.c.id, cases.c.received_at)
            .where(cases.c.id > last_id)
            .order_by(cases.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        last_id = batch[-1].id
        rows = connection.execute(
            sa.select(events)
            .where(events.c.case_id.in_([case.id for case in batch]))
            .order_by(events.c.case_id, events.c.id)
        ).all()
        history = {key: list(group) for key, group in itertools.groupby(rows, lambda e: e.case_id)}
        for case in batch:
            times = replay(case.received_at, history.get(case.id, []), calendar)
            connection.execute(
                cases.update()
                .where(cases.c.id == case.id)
                .values({name: getattr(times, name) for name in COLUMNS})
            )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="cases")
    for name in reversed(COLUMNS):
        op.drop_column("cases", name)
