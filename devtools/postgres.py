"""Scratch PostgreSQL schemas for the tests and the bench (the server of the brief:
127.0.0.1:5432, trust auth, database ``test``; ``SSCN_TEST_POSTGRES_URL`` overrides)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from bot.ledger.db import make_engine

POSTGRES_URL = os.environ.get(
    "SSCN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


@contextmanager
def scratch_schema(prefix: str = "sscn_test") -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped afterwards.

    Raises sqlalchemy's ``OperationalError`` when the server cannot be reached."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
