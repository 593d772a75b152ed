"""The ledger's SQLite file is private whatever the process's umask."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from bot.ledger.db import make_engine


def test_a_new_sqlite_ledger_is_readable_by_its_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        os.umask(previous)
    files = list(tmp_path.glob("ledger.db*"))
    assert len(files) >= 2  # the database and its write-ahead log
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    engine.dispose()
