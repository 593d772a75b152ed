"""The migrations build the schema the models describe, with the units seeded."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from bot.cli import main
from bot.ledger.calendar import WorkingCalendar
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade
from bot.ledger.models import Base, Case, Unit
from bot.ledger.units import SEED_UNITS


def test_upgrade_matches_the_models_and_seeds_units(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    upgrade(url)  # a second run changes nothing
    engine = make_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert connection.execute(select(func.count()).select_from(Unit)).scalar() == len(
            SEED_UNITS
        )
    engine.dispose()


def test_cli_upgrade(tmp_path, capsys):
    assert main(["db", "upgrade", "--url", f"sqlite:///{tmp_path / 'x.db'}"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_upgrade_on_postgresql(postgres_url):
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        count = connection.execute(select(func.count()).select_from(Unit)).scalar()
    engine.dispose()
    assert count == len(SEED_UNITS)


def test_clock_backfill_from_the_events(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009")
    engine = make_engine(url)
    received = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.timezone.utc)  # Monday 09.00 WIB
    verified, forwarded, replied = (received + dt.timedelta(hours=h) for h in (1, 2, 30))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (id, ticket, year, number, channel, channel_user,"
                " conversation_id, kind, status, summary, received_at, updated_at)"
                " VALUES (1, 'SSCN-2026-00001', 2026, 1, 'telegram', 'u', 'u', 'complaint',"
                " 'dalam_proses', 'x', :at, :at)"
            ),
            {"at": received.replace(tzinfo=None)},
        )
        for at, type_, old, new in (
            (received, "created", None, "belum_diverifikasi"),
            (verified, "status", "belum_diverifikasi", "belum_ditindaklanjuti"),
            (forwarded, "assigned", None, "BIRO_HUMAS"),
            (replied, "agent_reply", None, "halo"),
        ):
            connection.execute(
                text(
                    "INSERT INTO case_events (case_id, at, actor, type, old, new)"
                    " VALUES (1, :at, 'ani', :type, :old, :new)"
                ),
                {"at": at.replace(tzinfo=None), "type": type_, "old": old, "new": new},
            )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        case = session.get(Case, 1)
    engine.dispose()
    calendar = WorkingCalendar()
    assert case.sla_due_at == calendar.add_working_days(received, 12)
    assert case.verification_due_at == calendar.add_working_days(received, 3)
    assert (case.verified_at, case.forwarded_at, case.followed_up_at) == (
        verified,
        forwarded,
        replied,
    )
    assert case.followup_due_at == calendar.add_working_days(forwarded, 5)
    assert case.resolved_at is None
