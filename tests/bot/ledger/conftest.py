"""Ledger tests run on SQLite and on a real PostgreSQL (skipped where absent)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.ledger.db import make_engine
from bot.ledger.models import Base

POSTGRES_URL = os.environ.get(
    "SSCN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def _postgres_engine():
    schema = f"sscn_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    engine = create_engine(
        POSTGRES_URL,
        future=True,
        connect_args={"options": f"-csearch_path={schema}"},
        pool_size=20,
        max_overflow=40,
    )
    return engine, admin, schema


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    engine, admin, schema = _postgres_engine()
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
