"""The migrations build the schema the models describe, with the units seeded."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.cli import main
from bot.ledger.db import make_engine
from bot.ledger.migrate import upgrade
from bot.ledger.models import Base, Unit
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
