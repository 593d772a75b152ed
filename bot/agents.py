"""Console accounts: hashed passwords, lock-out after failed log-ins, sessions.

Passwords are hashed with scrypt (stdlib) and a per-password salt. A session
cookie carries a random token; the database keeps only its SHA-256, with the
session's CSRF token and expiry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import Agent, AgentSession

ROLES = ("agent", "supervisor")
MAX_FAILED_LOGINS = int(os.environ.get("SSCN_CONSOLE_MAX_FAILED_LOGINS", "5"))
LOCKOUT = dt.timedelta(minutes=int(os.environ.get("SSCN_CONSOLE_LOCKOUT_MINUTES", "15")))
SESSION_LIFETIME = dt.timedelta(hours=int(os.environ.get("SSCN_CONSOLE_SESSION_HOURS", "10")))
MIN_PASSWORD_CHARS = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountError(ValueError):
    """Bad input for an account (unknown role, weak password, taken username)."""


@dataclass(frozen=True)
class LoginResult:
    agent: Agent | None
    token: str | None = None
    locked: bool = False


@dataclass(frozen=True)
class ActiveSession:
    agent: Agent
    csrf_token: str


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class AgentStore:
    def __init__(self, sessions: sessionmaker, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def add(self, username: str, display_name: str, role: str, password: str) -> Agent:
        username = username.strip().lower()
        if role not in ROLES:
            raise AccountError(f"peran harus salah satu dari: {', '.join(ROLES)}")
        if not username or not username.replace(".", "").replace("_", "").isalnum():
            raise AccountError("nama pengguna hanya boleh huruf, angka, '.' dan '_'")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"kata sandi minimal {MIN_PASSWORD_CHARS} karakter")
        agent = Agent(
            username=username,
            display_name=display_name.strip() or username,
            role=role,
            password_hash=hash_password(password),
            failed_logins=0,
            active=True,
            created_at=self._clock(),
        )
        try:
            with self._sessions() as session, session.begin():
                session.add(agent)
        except IntegrityError as error:
            raise AccountError(f"nama pengguna {username!r} sudah dipakai") from error
        return agent

    def list(self) -> list[Agent]:
        with self._sessions() as session:
            return list(session.execute(select(Agent).order_by(Agent.username)).scalars())

    def set_active(self, username: str, active: bool) -> None:
        with self._sessions() as session, session.begin():
            agent = session.execute(
                select(Agent).where(Agent.username == username)
            ).scalar_one_or_none()
            if agent is None:
                raise AccountError(f"tidak ada petugas {username!r}")
            agent.active = active
            if not active:
                session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))

    def log_in(self, username: str, password: str) -> LoginResult:
        """A session token, or why not; too many failures lock the account for a while."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            agent = session.execute(
                select(Agent).where(Agent.username == username.strip().lower())
            ).scalar_one_or_none()
            if agent is None or not agent.active:
                hash_password(password)  # same work either way: no user enumeration by timing
                return LoginResult(None)
            if agent.locked_until and agent.locked_until > now:
                return LoginResult(None, locked=True)
            if not check_password(password, agent.password_hash):
                agent.failed_logins += 1
                if agent.failed_logins >= MAX_FAILED_LOGINS:
                    agent.locked_until, agent.failed_logins = now + LOCKOUT, 0
                return LoginResult(
                    None, locked=agent.locked_until is not None and agent.locked_until > now
                )
            agent.failed_logins, agent.locked_until = 0, None
            token = secrets.token_urlsafe(32)
            session.add(
                AgentSession(
                    token_hash=_token_hash(token),
                    agent_id=agent.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            return LoginResult(agent, token)

    def session(self, token: str | None) -> ActiveSession | None:
        """The logged-in agent of a cookie token, if the session is valid."""
        if not token:
            return None
        with self._sessions() as session:
            row = session.get(AgentSession, _token_hash(token))
            if row is None or row.expires_at <= self._clock() or not row.agent.active:
                return None
            return ActiveSession(row.agent, row.csrf_token)

    def log_out(self, token: str | None) -> None:
        if token:
            with self._sessions() as session, session.begin():
                session.execute(
                    delete(AgentSession).where(AgentSession.token_hash == _token_hash(token))
                )
