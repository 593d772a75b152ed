"""Database engines for the ledger: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import PROJECT_ROOT

# Errors that mean "the database cannot be reached right now" rather than "bad request".
UNAVAILABLE = (OperationalError, InterfaceError)
CONNECT_TIMEOUT_SECONDS = 3  # the default of SSCN_DB_CONNECT_TIMEOUT (bot/config.py)

# The SQLite file of a laptop run (Services uses it when SSCN_DATABASE_URL is unset).
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'ledger.db'}"


def make_engine(url: str, connect_timeout: int = CONNECT_TIMEOUT_SECONDS) -> Engine:
    """A 2.0-style engine for ``url``; SQLite gets WAL, foreign keys and a patient lock
    timeout; PostgreSQL connections give up after ``connect_timeout`` seconds."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args = (
            {"connect_timeout": connect_timeout}
            if parsed.get_backend_name() == "postgresql"
            else {}
        )
        return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if parsed.database and parsed.database != ":memory:":
        create_private_file(Path(parsed.database))
    # SQLAlchemy 1.4 gives file databases a NullPool: a new connection, and the pragmas
    # below, for every session. A pool keeps them (each used by one thread at a time).
    pooled = {"poolclass": QueuePool} if parsed.database not in (None, "", ":memory:") else {}
    engine = create_engine(
        url, future=True, connect_args={"timeout": 30, "check_same_thread": False}, **pooled
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only, unless it exists.

    SQLite gives its -wal and -shm files the database file's permissions, so a
    database created this way stays private whatever the process's umask.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)
