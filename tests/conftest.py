"""Fixtures shared by the test suite: one trained model and one running bot per run,
and a private schema on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.ledger.db import make_engine
from tests.integration.servers import start_bot, train_model


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    return train_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def running_bot(trained_model, tmp_path_factory):
    bot = start_bot(trained_model, tmp_path_factory.mktemp("bot"))
    yield bot
    bot.stop()


POSTGRES_URL = os.environ.get(
    "SSCN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_url():
    """A URL whose connections use a fresh schema, dropped afterwards."""
    schema = f"sscn_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
