"""A conversation lock on Redis that holds across Rasa instances.

Configured in deploy/endpoints.production.yml as
``type: channels.lock_store.FencedRedisLockStore``.

Rasa's own ``RedisLockStore`` reads a conversation's lock, adds a ticket and
writes it back in three round trips (Rasa issue #9213): two instances can get
the same ticket and work on one conversation at once, and it polls once a second
with blocking calls on the event loop. Here each step is one atomic Redis
operation (``INCR`` or a Lua script) made with the asyncio client:

- **Tickets** come from ``INCR``: messages are served in the order they reached
  the lock, one at a time.
- **Holding** is a key holding the ticket number, with an expiry: a process
  that dies mid-turn frees the conversation after ``lock_lifetime``. When a turn
  ends, the next ticket is reserved for a short grace period; a ticket whose
  owner never comes (it crashed while waiting) is skipped once the key is gone.
- **Fencing**: the ticket is the fencing token. Inside the lock a context
  variable names it, and the tracker store (channels/tracker_store.py) checks
  that the ticket still holds the conversation before it saves: a turn that
  outlived its lock is refused instead of overwriting a newer one. The holder
  key holds ``<ticket>:<random nonce>``, so a fence is unique even after Redis
  restarts empty and ``INCR`` counts from 1 again while an old holder still runs.
- **Heartbeat**: the holder key lives ``HOLD_MS`` and is renewed while the turn
  runs (up to ``lock_lifetime``): a Rasa instance killed mid-turn frees its
  conversations within seconds, a slow turn keeps its lock.
- **Redis unreachable**: every call is retried with back-off for at most
  ``unavailable_wait_seconds`` (5 s), then the turn fails with ``LockError``
  (the channels answer it as a failed turn: docs/FAULTS.md). Nothing needs a
  restart when Redis is back: dead pooled connections are replaced on the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as redis
from rasa.core.lock_store import DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, LOCK_LIFETIME, LockStore
from rasa.core.lock_store import LockError as RasaLockError

from bot.config import current_settings

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A reserved ticket must be claimed within this time, or it is skipped.
CLAIM_GRACE_MS = 2_000
# A holder's key lives this long unless its heartbeat renews it (every HOLD_MS / 3).
HOLD_MS = 10_000
# Idle conversations' keys disappear after this long.
IDLE_EXPIRY_MS = 24 * 3600 * 1000
POLL_SECONDS, MAX_POLL_SECONDS = 0.01, 0.1
# How long a turn keeps trying while Redis cannot be reached, before it fails.
UNAVAILABLE_WAIT_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 2.0
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, OSError)

# Holder values: "<ticket>" while reserved for that ticket, "<ticket>:<nonce>" while held.

# KEYS: next, serving, holder. ARGV: hold_ms, idle_ms, nonce.
# Issue a ticket; take the lock at once if it is this ticket's turn and nobody holds it.
_ISSUE = """
local ticket = redis.call('INCR', KEYS[1])
local serving = tonumber(redis.call('GET', KEYS[2]) or '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if serving == ticket then
  local holder = redis.call('GET', KEYS[3])
  if holder == false or holder == tostring(ticket) then
    redis.call('SET', KEYS[2], ticket, 'PX', ARGV[2])
    redis.call('SET', KEYS[3], ticket .. ':' .. ARGV[3], 'PX', ARGV[1])
    return {ticket, 1}
  end
end
return {ticket, 0}
"""

# KEYS: serving, holder. ARGV: ticket, hold_ms, grace_ms, idle_ms, nonce.
# 1: acquired; 0: wait; -1: this ticket's turn has passed (it was skipped).
_ACQUIRE = """
local ticket = tonumber(ARGV[1])
local serving = tonumber(redis.call('GET', KEYS[1]) or '1')
local holder = redis.call('GET', KEYS[2])
if serving > ticket then return -1 end
if serving < ticket then
  if holder ~= false then return 0 end
  -- the ticket being served has no holder: it died or never came; skip it
  serving = serving + 1
  redis.call('SET', KEYS[1], serving, 'PX', ARGV[4])
  if serving < ticket then
    redis.call('SET', KEYS[2], serving, 'PX', ARGV[3])
    return 0
  end
  holder = false
end
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ticket, 'PX', ARGV[4])
  redis.call('SET', KEYS[2], ARGV[1] .. ':' .. ARGV[5], 'PX', ARGV[2])
  return 1
end
return 0
"""

# KEYS: holder. ARGV: token, hold_ms. Keep holding; 0 if the lock was lost.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: serving, holder. ARGV: ticket, token, grace_ms, idle_ms.
# End this ticket's turn and reserve the next ticket's; 0 if the lock was lost.
_RELEASE = """
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
local next_ticket = tonumber(ARGV[1]) + 1
redis.call('SET', KEYS[1], next_ticket, 'PX', ARGV[4])
redis.call('SET', KEYS[2], next_ticket, 'PX', ARGV[3])
return 1
"""


class LockError(RasaLockError):
    """The conversation could not be locked, or its lock was lost."""


class LockStoreUnavailable(LockError):
    """Redis could not be reached within ``unavailable_wait_seconds``."""


@dataclass(frozen=True)
class Fence:
    """The lock a turn runs under: its conversation, ticket and unique holder token."""

    store: FencedRedisLockStore
    conversation_id: str
    ticket: int
    token: str = ""

    async def holds(self) -> bool:
        """Whether this turn still holds the conversation (Redis unreachable: LockError)."""
        return await self.store.holder_token(self.conversation_id) == self.token


CURRENT_FENCE: contextvars.ContextVar[Fence | None] = contextvars.ContextVar(
    "sscn_lock_fence", default=None
)


class FencedRedisLockStore(LockStore):
    """FIFO, expiring, fenced per-conversation locks on Redis."""

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        db: int | None = None,
        username: str | None = None,
        password: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float = 10.0,
        unavailable_wait_seconds: float = UNAVAILABLE_WAIT_SECONDS,
        endpoint_config: Any = None,
        **_ignored: Any,
    ) -> None:
        settings = current_settings()  # defaults: SSCN_REDIS_HOST, _PORT, _DB
        host = host or settings.redis_host
        port = settings.redis_port if port is None else port
        db = settings.redis_db if db is None else db
        if endpoint_config is not None:  # built by Rasa from endpoints.yml
            options = dict(endpoint_config.kwargs)
            host = endpoint_config.url or host
            port = int(options.get("port", port))
            db = int(options.get("db", db))
            username = options.get("username", username)
            password = options.get("password", password)
            key_prefix = options.get("key_prefix", key_prefix)
            socket_timeout = float(options.get("socket_timeout", socket_timeout))
            unavailable_wait_seconds = float(
                options.get("unavailable_wait_seconds", unavailable_wait_seconds)
            )
        self.unavailable_wait_seconds = unavailable_wait_seconds
        self._redis = redis.Redis(
            host=host,
            port=port,
            db=db,
            username=username or None,
            password=password or None,
            socket_timeout=socket_timeout,
            socket_connect_timeout=min(socket_timeout, CONNECT_TIMEOUT_SECONDS),
        )
        prefix = key_prefix or "sscn"
        self._prefix = f"{prefix}:{DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX}fenced:"
        self._issue = self._redis.register_script(_ISSUE)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._renew = self._redis.register_script(_RENEW)
        self._release = self._redis.register_script(_RELEASE)
        super().__init__()

    def _keys(self, conversation_id: str) -> tuple[str, str, str]:
        base = f"{self._prefix}{conversation_id}"
        return f"{base}:next", f"{base}:serving", f"{base}:holder"

    async def _patiently(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """``call()``, retried with back-off while Redis cannot be reached, for at most
        ``unavailable_wait_seconds``; then ``LockStoreUnavailable``. A dead pooled
        connection fails once and is replaced by the retry."""
        deadline = time.monotonic() + self.unavailable_wait_seconds
        pause = 0.05
        while True:
            try:
                return await call()
            except UNREACHABLE as error:
                if time.monotonic() + pause > deadline:
                    message = f"lock store unavailable ({what}): {error}"
                    raise LockStoreUnavailable(message) from error
                logger.warning("Lock store unreachable (%s), retrying: %s", what, error)
            except redis.RedisError as error:
                raise LockError(f"lock store error ({what}): {error}") from error
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    async def holder_token(self, conversation_id: str) -> str | None:
        """The holder key's value: ``<ticket>:<nonce>`` while held, ``<ticket>`` while
        reserved, None when free."""
        key = self._keys(conversation_id)[2]
        value = await self._patiently(lambda: self._redis.get(key), "fence")
        return value.decode() if value is not None else None

    async def holder(self, conversation_id: str) -> int | None:
        """The ticket now holding ``conversation_id`` (or reserved for it), if any."""
        value = await self.holder_token(conversation_id)
        return int(value.split(":")[0]) if value is not None else None

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[Fence, None]:
        """Hold ``conversation_id`` for one turn, after the tickets issued before ours.

        Waits at most ``lock_lifetime`` seconds (the longest any holder may keep
        it); ``wait_time_in_seconds`` caps the polling interval.
        """
        next_key, serving_key, holder_key = self._keys(conversation_id)
        hold_ms = min(HOLD_MS, int(lock_lifetime * 1000))
        nonce = uuid.uuid4().hex[:16]
        ticket, acquired = await self._patiently(
            lambda: self._issue(
                keys=[next_key, serving_key, holder_key], args=[hold_ms, IDLE_EXPIRY_MS, nonce]
            ),
            "ticket",
        )
        deadline = time.monotonic() + lock_lifetime
        poll = POLL_SECONDS
        while not acquired:
            state = await self._patiently(
                lambda: self._acquire(
                    keys=[serving_key, holder_key],
                    args=[ticket, hold_ms, CLAIM_GRACE_MS, IDLE_EXPIRY_MS, nonce],
                ),
                "acquire",
            )
            if state == 1:
                break
            if state == -1 or time.monotonic() > deadline:
                raise LockError(f"could not lock conversation {conversation_id!r}")
            await asyncio.sleep(poll)
            poll = min(poll * 1.5, MAX_POLL_SECONDS, max(wait_time_in_seconds, POLL_SECONDS))
        fence = Fence(self, conversation_id, int(ticket), f"{int(ticket)}:{nonce}")
        heartbeat = asyncio.create_task(
            self._heartbeat(holder_key, fence, hold_ms, time.monotonic() + lock_lifetime)
        )
        token = CURRENT_FENCE.set(fence)
        try:
            yield fence
        finally:
            CURRENT_FENCE.reset(token)
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._end_turn(fence, serving_key, holder_key)

    async def _heartbeat(self, holder_key: str, fence: Fence, hold_ms: int, until: float) -> None:
        """Renew the holder key while the turn runs; it expires at ``until`` at the latest
        (``lock_lifetime`` after the lock was taken)."""
        interval = hold_ms / 3000
        while True:
            await asyncio.sleep(interval)
            remaining_ms = int((until - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return
            try:
                renewed = await self._renew(
                    keys=[holder_key], args=[fence.token, min(hold_ms, remaining_ms)]
                )
            except redis.RedisError as error:  # the next beat may get through
                logger.warning("Lock of %s not renewed: %s", fence.conversation_id, error)
                continue
            if not renewed:
                logger.error("Lock of %s lost during its turn", fence.conversation_id)
                return

    async def _end_turn(self, fence: Fence, serving_key: str, holder_key: str) -> None:
        try:
            released = await self._release(
                keys=[serving_key, holder_key],
                args=[fence.ticket, fence.token, CLAIM_GRACE_MS, IDLE_EXPIRY_MS],
            )
        except redis.RedisError as error:  # it expires by itself
            logger.warning("Could not release the lock of %s: %s", fence.conversation_id, error)
            return
        if not released:
            logger.error(
                "Turn of conversation %s outlived its lock (ticket %d)",
                fence.conversation_id,
                fence.ticket,
            )

    # Rasa's ticket-lock API, which this store replaces with lock() above.
    def get_lock(self, conversation_id: str) -> None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: Any) -> None:
        return None
