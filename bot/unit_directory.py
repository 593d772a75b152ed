"""The units a case can be forwarded to, as supervisors edit them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import Unit

MAX_CODE_CHARS = 40
MAX_NAME_CHARS = 200


class UnitError(ValueError):
    """A unit code or name that cannot be stored (message in Indonesian)."""


class UnitDirectory:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def list(self, include_inactive: bool = False) -> list[Unit]:
        """Units by code; only active ones unless asked."""
        query = select(Unit).order_by(Unit.code)
        if not include_inactive:
            query = query.where(Unit.active.is_(True))
        with self._sessions() as session:
            return list(session.execute(query).scalars())

    def save(self, code: str, name: str, active: bool = True) -> Unit:
        """Add a unit or rename/(de)activate an existing one (units are never deleted:
        cases keep theirs)."""
        code, name = code.strip().upper(), name.strip()
        if (
            not code
            or not name
            or not code.replace("_", "").isalnum()
            or len(code) > MAX_CODE_CHARS
        ):
            raise UnitError("Kode (huruf/angka/_) dan nama unit wajib diisi.")
        with self._sessions() as session, session.begin():
            unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
            if unit is None:
                unit = Unit(code=code, name=name[:MAX_NAME_CHARS], active=True)
                session.add(unit)
            else:
                unit.name, unit.active = name[:MAX_NAME_CHARS], active
            return unit
