"""Console accounts: hashed passwords, throttled log-ins, sessions.

Passwords are hashed with scrypt (stdlib) and a per-password salt. A session
cookie carries a random token; the database keeps only its SHA-256, with the
session's CSRF token and expiry.

Failed log-ins are counted in the database (so every console instance sees them)
per (user name, source address) and per source address: past a limit, that key
waits 1 s, 2 s, 4 s ... up to a cap before the next try. A stranger can slow down
only their own address, never lock the real agent out, and an unknown user name
is counted, answered and timed like a wrong password.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import Agent, AgentSession, LoginThrottle

# agent: cases; supervisor: everything; humas: knowledge base, suggestions, announcements.
ROLES = ("agent", "supervisor", "humas")
ROLE_NAMES = {"agent": "petugas", "supervisor": "supervisor", "humas": "Humas"}
SESSION_LIFETIME = dt.timedelta(hours=10)  # default of SSCN_CONSOLE_SESSION_HOURS
MIN_PASSWORD_CHARS = 10
MAX_USERNAME_CHARS = 60
MAX_DISPLAY_NAME_CHARS = 120
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _utf8(text: str) -> bytes:
    """UTF-8, keeping lone surrogates (from a garbled form) instead of failing."""
    return text.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(_utf8(password), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(_utf8(password), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches: unknown users cost one scrypt check too."""
    return hash_password(secrets.token_urlsafe(32))


def _valid_username(username: str) -> bool:
    return bool(username) and username.replace(".", "").replace("_", "").isalnum()


def _plausible_username(username: str) -> bool:
    """Could be a stored user name (checked before any query with it)."""
    return _valid_username(username) and len(username) <= MAX_USERNAME_CHARS


def _token_hash(token: str) -> str:
    return hashlib.sha256(_utf8(token)).hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256(_utf8("\0".join(parts))).hexdigest()


class AccountError(ValueError):
    """Bad input for an account (unknown role, weak password, taken username)."""


@dataclass(frozen=True)
class LoginResult:
    agent: Agent | None
    token: str | None = None
    retry_after: int = 0  # seconds to wait before the next try (throttled), else 0


@dataclass(frozen=True)
class ActiveSession:
    agent: Agent
    csrf_token: str


@dataclass(frozen=True)
class ThrottlePolicy:
    per_account: int = 5  # failures from one source for one user name before waiting
    per_source: int = 20  # failures from one source across user names (password spraying)
    first_wait: dt.timedelta = dt.timedelta(seconds=1)
    max_wait: dt.timedelta = dt.timedelta(minutes=15)
    forget_after: dt.timedelta = dt.timedelta(hours=1)  # quiet time that clears a count

    def wait_after(self, failures: int, limit: int) -> dt.timedelta | None:
        """How long a key with ``failures`` must wait: doubling from the limit on."""
        if failures < limit:
            return None
        return min(self.first_wait * 2 ** min(failures - limit, 32), self.max_wait)


class Throttle:
    """Failed log-ins per key, in the database: shared by every console instance."""

    def __init__(self, sessions: sessionmaker, policy: ThrottlePolicy) -> None:
        self._sessions = sessions
        self._policy = policy

    def wait(self, limits: dict[str, int], now: dt.datetime) -> int:
        """Whole seconds until a log-in under these keys may be tried (0: now)."""
        with self._sessions() as session:
            ends = session.execute(
                select(LoginThrottle.blocked_until).where(LoginThrottle.key.in_(list(limits)))
            ).scalars()
            until = max((end for end in ends if end and end > now), default=None)
        return math.ceil((until - now).total_seconds()) if until else 0

    def fail(self, limits: dict[str, int], now: dt.datetime) -> None:
        """Count one failure under each key (a key maps to its limit)."""
        try:
            self._count(limits, now)
        except IntegrityError:  # another instance inserted the same new key first
            self._count(limits, now)

    def forget(self, key: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))

    def _count(self, limits: dict[str, int], now: dt.datetime) -> None:
        with self._sessions() as session, session.begin():
            # Writing first takes SQLite's write lock, so the counts below are not lost.
            session.execute(
                delete(LoginThrottle).where(
                    LoginThrottle.last_failure_at < now - self._policy.forget_after
                )
            )
            for key, limit in limits.items():
                row = session.get(LoginThrottle, key, with_for_update=True)
                if row is None:
                    row = LoginThrottle(key=key, failures=0)
                    session.add(row)
                row.failures += 1
                row.last_failure_at = now
                wait = self._policy.wait_after(row.failures, limit)
                row.blocked_until = now + wait if wait else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class AgentStore:
    def __init__(
        self,
        sessions: sessionmaker,
        clock: Callable[[], dt.datetime] = utcnow,
        policy: ThrottlePolicy | None = None,
        session_lifetime: dt.timedelta = SESSION_LIFETIME,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._session_lifetime = session_lifetime
        self._policy = policy or ThrottlePolicy()
        self._throttle = Throttle(sessions, self._policy)

    def add(self, username: str, display_name: str, role: str, password: str) -> Agent:
        username = username.strip().lower()
        if role not in ROLES:
            raise AccountError(f"peran harus salah satu dari: {', '.join(ROLES)}")
        if not _valid_username(username):
            raise AccountError("nama pengguna hanya boleh huruf, angka, '.' dan '_'")
        if len(username) > MAX_USERNAME_CHARS or len(display_name) > MAX_DISPLAY_NAME_CHARS:
            raise AccountError(
                f"nama pengguna maks. {MAX_USERNAME_CHARS} karakter, "
                f"nama tampilan maks. {MAX_DISPLAY_NAME_CHARS}"
            )
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"kata sandi minimal {MIN_PASSWORD_CHARS} karakter")
        agent = Agent(
            username=username,
            display_name=display_name.strip() or username,
            role=role,
            password_hash=hash_password(password),
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
        if not _plausible_username(username):
            raise AccountError("tidak ada petugas dengan nama itu")
        with self._sessions() as session, session.begin():
            agent = session.execute(
                select(Agent).where(Agent.username == username)
            ).scalar_one_or_none()
            if agent is None:
                raise AccountError(f"tidak ada petugas {username!r}")
            agent.active = active
            if not active:
                session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))

    def log_in(self, username: str, password: str, source: str) -> LoginResult:
        """A session token, or why not. Failures are throttled per (name, source) and
        per source; an unknown name costs the same work and gets the same answer."""
        username = username.strip().lower()
        account_key = _key("account", username, source)
        limits = {
            account_key: self._policy.per_account,
            _key("source", source): self._policy.per_source,
        }
        now = self._clock()
        wait = self._throttle.wait(limits, now)
        if wait:
            return LoginResult(None, retry_after=wait)
        agent = self.by_username(username)
        known = agent is not None and agent.active
        matches = check_password(password, agent.password_hash if known else _dummy_hash())
        if not (known and matches):
            self._throttle.fail(limits, now)
            return LoginResult(None)
        self._throttle.forget(account_key)
        return LoginResult(agent, self._open_session(agent, now))

    def by_username(self, username: str) -> Agent | None:
        if not _plausible_username(username):
            return None  # spares the database odd input (NUL, megabytes)
        with self._sessions() as session:
            return session.execute(
                select(Agent).where(Agent.username == username)
            ).scalar_one_or_none()

    def by_id(self, agent_id: int) -> Agent | None:
        with self._sessions() as session:
            return session.get(Agent, agent_id)

    def _open_session(self, agent: Agent, now: dt.datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self._sessions() as session, session.begin():
            session.add(
                AgentSession(
                    token_hash=_token_hash(token),
                    agent_id=agent.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + self._session_lifetime,
                )
            )
        return token

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
