"""``epoch_seconds(column)``: a timestamp column as POSIX seconds, computed by the database.

Reports over 100,000s of cases read times as plain floats into numpy arrays instead
of building a Python datetime per value. The ledger stores UTC (SQLite as text).
"""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

UNIX_EPOCH_JULIAN_DAY = 2440587.5


class epoch_seconds(GenericFunction):  # noqa: N801 (SQL function names are lower case)
    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "postgresql")
def _postgresql(element, compiler, **kw) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _sqlite(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"((julianday({column}) - {UNIX_EPOCH_JULIAN_DAY}) * 86400.0)"
