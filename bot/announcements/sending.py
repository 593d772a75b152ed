"""The worker that sends a broadcast: at most one message per recipient, within
Telegram's limits.

- **One worker per broadcast.** The worker holds a lease on the broadcast
  (``lease_owner``/``lease_until``), renewed every third of its length; every
  claim requires it. A worker that dies stops renewing; once the lease has
  expired the next worker (the console's loop, ``sscn broadcast resume``) takes
  the broadcast over. Only one broadcast is leased at a time, so the overall rate
  is one worker's.
- **At most once.** A recipient is claimed ``pending`` -> ``sending`` before the
  call; the outcome is written after it. Telegram has no idempotency key, so a
  recipient found ``sending`` by the next worker may have got the message: it
  becomes ``unknown`` and is never sent again. A timeout (the request may have
  arrived) is ``unknown`` too; only errors that prove nothing was delivered are
  retried: the flood limit (429: wait ``retry_after``, same recipient again) and
  a connection that could not be made (a few times, then ``failed``).
- **Rate.** Sends start at most ``rate`` per second (Telegram: about 30/s
  overall), several in flight so a slow API still reaches the rate; each chat
  gets one message per broadcast and at most one per second across broadcasts.
- **Refused chats.** Blocked bot, chat not found, user deactivated: ``blocked``
  and the subscriber becomes inactive.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.announcements.broadcasts import (
    BLOCKED,
    FAILED,
    SENT,
    UNKNOWN,
    Broadcasts,
    BroadcastView,
    Claim,
)
from bot.announcements.message import Rendered

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_IN_FLIGHT = 8
TELEGRAM_MAX_RATE = 30.0  # messages per second overall; a higher setting is capped
MAX_FLOOD_RETRIES = 10  # 429s for one recipient before it counts as failed
NETWORK_RETRIES = 3
NETWORK_BACKOFF_SECONDS = 1.0
PER_CHAT_SECONDS = 1.0
BUSY, LOST, STOPPED, FINISHED, HALTED = "busy", "lost", "stopped", "finished", "halted"


class RateLimited(Exception):
    """Telegram's flood limit (429): nothing was delivered; wait ``retry_after``."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"dibatasi Telegram, tunggu {retry_after:g} detik")
        self.retry_after = retry_after


class ChatRefused(Exception):
    """The chat cannot receive messages (bot blocked, chat not found, user deactivated)."""


class NotDelivered(Exception):
    """The request never reached Telegram (connection refused): safe to retry."""


class MaybeDelivered(Exception):
    """No answer (timeout): Telegram may have delivered it; never retried."""


class Refused(Exception):
    """Telegram refused this message for good (a bad request)."""


class PortUnavailable(Exception):
    """The channel cannot send at all (token missing or refused): nothing was sent;
    the worker stops and leaves the recipient pending."""


class AnnouncementPort(Protocol):
    """Sends one message to a Telegram conversation (``channels.telegram.broadcast``)."""

    async def send(self, conversation_id: str, message: Rendered) -> int:
        """The message id; raises one of the errors above."""

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """How a run ended: ``finished`` (done), ``stopped`` (paused or cancelled),
    ``lost`` (lease taken over), ``busy`` (another worker holds it), ``halted``
    (the channel cannot send: ``error`` says why)."""

    broadcast_id: int
    ending: str
    abandoned: int = 0
    error: str | None = None


class Pacer:
    """Spaces the starts of sends ``1 / rate`` seconds apart; a flood limit holds all."""

    def __init__(
        self,
        rate: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / max(rate, 0.1)
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0

    async def wait(self) -> None:
        now = self._monotonic()
        start = max(now, self._next)
        self._next = start + self._interval
        if start > now:
            await self._sleep(start - now)

    def hold(self, seconds: float) -> None:
        self._next = max(self._next, self._monotonic() + seconds)


def worker_name() -> str:
    """Who holds a lease: host and process (shown to operators)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class BroadcastWorker:
    """Sends broadcasts through ``port``; database calls run in threads."""

    def __init__(
        self,
        broadcasts: Broadcasts,
        port: AnnouncementPort,
        rate: float,
        lease_seconds: float,
        owner: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_progress: Callable[[BroadcastView], None] | None = None,
    ) -> None:
        self._store = broadcasts
        self._port = port
        self._lease = lease_seconds
        self._owner = owner or worker_name()
        self._monotonic = monotonic
        self._sleep = sleep
        self._pacer = Pacer(min(rate, TELEGRAM_MAX_RATE), monotonic, sleep)
        self._last_to_chat: dict[str, float] = {}
        self._on_progress = on_progress
        self._halt: str | None = None

    async def run_sendable(self) -> list[Outcome]:
        """Send every broadcast in ``sending`` that no live worker holds, one at a time."""
        outcomes = []
        for broadcast_id in await self._db(self._store.sendable):
            outcomes.append(await self.run(broadcast_id))
        return outcomes

    async def close(self) -> None:
        """Close the port's connections."""
        await self._port.close()

    async def run(self, broadcast_id: int) -> Outcome:
        """Send the broadcast until done, paused, cancelled or its lease is lost."""
        view = await self._db(self._store.get, broadcast_id)
        if view is None:
            return Outcome(broadcast_id, STOPPED)
        # Rendering may load the knowledge base (seconds): before the lease runs.
        message = await self._db(self._store.rendered, view)
        if not await self._db(self._store.acquire, broadcast_id, self._owner, self._lease):
            return Outcome(broadcast_id, BUSY)
        try:
            abandoned = await self._db(self._store.abandon_in_flight, broadcast_id)
            if abandoned:
                logger.warning(
                    "broadcast %s: %s recipients were being sent when a worker stopped: unknown",
                    broadcast_id,
                    abandoned,
                )
            self._halt = None
            ending = await self._send_all(broadcast_id, message)
            return Outcome(broadcast_id, ending, abandoned, self._halt)
        finally:
            await self._db(self._store.release, broadcast_id, self._owner)

    async def _send_all(self, broadcast_id: int, message: Rendered) -> str:
        in_flight: set[asyncio.Task] = set()
        renewed = self._monotonic()
        ending = FINISHED
        try:
            while True:
                if self._halt is not None:
                    ending = HALTED
                    break
                if self._monotonic() - renewed >= self._lease / 3:
                    if not await self._renew(broadcast_id):
                        ending = await self._why_stopped(broadcast_id)
                        break
                    renewed = self._monotonic()
                    await self._report(broadcast_id)
                await self._pacer.wait()
                claim = await self._db(self._store.claim, broadcast_id, self._owner)
                if claim is None:
                    if not in_flight:
                        if not await self._renew(broadcast_id):
                            ending = await self._why_stopped(broadcast_id)
                        break
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                task = asyncio.create_task(self._deliver(claim, message))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                while len(in_flight) >= MAX_IN_FLIGHT:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
        if ending == FINISHED:
            await self._db(self._store.complete, broadcast_id)
        await self._report(broadcast_id)
        return ending

    async def _deliver(self, claim: Claim, message: Rendered) -> None:
        """Send to one recipient and record the outcome (never raises)."""
        await self._space_chat(claim.conversation_id)
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                message_id = await self._port.send(claim.conversation_id, message)
            except RateLimited as error:
                self._pacer.hold(error.retry_after)
                if claim.attempts >= MAX_FLOOD_RETRIES:
                    await self._db(self._store.finish, claim.id, FAILED, str(error))
                else:
                    await self._db(self._store.requeue, claim.id, str(error))
                return
            except PortUnavailable as error:
                self._halt = str(error)
                await self._db(self._store.requeue, claim.id, str(error))
                return
            except ChatRefused as error:
                await self._db(self._store.finish, claim.id, BLOCKED, str(error) or "diblokir")
                return
            except NotDelivered as error:
                if attempt < NETWORK_RETRIES:
                    await self._sleep(NETWORK_BACKOFF_SECONDS * 2**attempt)
                    continue
                await self._db(self._store.finish, claim.id, FAILED, f"jaringan: {error}")
                return
            except MaybeDelivered as error:
                await self._db(self._store.finish, claim.id, UNKNOWN, f"tanpa jawaban: {error}")
                return
            except Exception as error:  # Refused, or a bug in the adapter: not resent
                logger.warning("broadcast recipient %s: %r", claim.id, error)
                await self._db(self._store.finish, claim.id, FAILED, str(error) or repr(error))
                return
            finally:
                self._last_to_chat[claim.conversation_id] = self._monotonic()
            await self._db(self._store.finish, claim.id, SENT, None, message_id)
            return

    async def _space_chat(self, conversation_id: str) -> None:
        """At most one message per chat per second (a chat in two broadcasts in a row)."""
        now = self._monotonic()
        self._last_to_chat = {
            chat: at for chat, at in self._last_to_chat.items() if now - at < PER_CHAT_SECONDS
        }
        last = self._last_to_chat.get(conversation_id)
        if last is not None:
            await self._sleep(PER_CHAT_SECONDS - (now - last))

    async def _renew(self, broadcast_id: int) -> bool:
        return await self._db(self._store.renew, broadcast_id, self._owner, self._lease)

    async def _why_stopped(self, broadcast_id: int) -> str:
        view = await self._db(self._store.get, broadcast_id)
        return STOPPED if view is None or view.state != "sending" else LOST

    async def _report(self, broadcast_id: int) -> None:
        if self._on_progress is not None:
            view = await self._db(self._store.get, broadcast_id)
            if view is not None:
                self._on_progress(view)

    async def _db(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(work, *args)
