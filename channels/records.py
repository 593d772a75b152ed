"""The message log as seen from a channel: records never block or break a reply.

Each channel process opens the log lazily; when the database is down, messages
are still answered and only their records are missing (a warning is logged).
Blocking database calls run in a thread, off the event loop.

Recording an inbound message starts the turn (``channels/turn.py``): when the
action server failed during it, the applicant got an apology instead of an
answer, and ``answered`` records the message as ``failed`` with the reason, so
it counts as unanswered in reports and agents can find it. When the turn itself
failed (tracker store or lock store unreachable: docs/FAULTS.md), ``failed``
records that and ``release`` gives a claimed platform message back; a release
the database refuses is retried in the background, so a redelivery is not kept
waiting for the whole claim. A claim is taken for ``LIVE_CLAIM_SECONDS`` and
renewed while the turn runs (up to ``SSCN_MESSAGE_CLAIM_SECONDS`` in all): a Rasa
instance killed mid-turn leaves a claim that expires within seconds, and the
platform's redelivery is handled then (docs/FAULTS.md, a).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.ledger.db import UNAVAILABLE
from bot.ledger.messages import ADMITTED, ANSWERED, FAILED, MessageLog
from bot.services import process_services
from bot.vocabulary import Channel
from channels.turn import current_turn, start_turn

logger = logging.getLogger(__name__)
TURN_FAILED = "turn_failed"  # the note of a message whose dialogue could not run
RELEASE_RETRY_SECONDS, RELEASE_RETRY_FOR_SECONDS = 2.0, 120.0
LIVE_CLAIM_SECONDS = 15.0  # a claim lives this long unless its heartbeat renews it


def live_lease(log: MessageLog) -> float:
    """The claim a handler takes and then renews (never longer than the log's claim)."""
    return min(LIVE_CLAIM_SECONDS, log.claim_seconds)


async def renew_claim(log: MessageLog, row_id: int, lease: float) -> None:
    """Renew a claim every ``lease / 3`` seconds, for ``log.claim_seconds`` at most;
    run it as a task while the message is handled, cancel it when done."""
    loop = asyncio.get_running_loop()
    until = loop.time() + log.claim_seconds
    while True:
        await asyncio.sleep(lease / 3)
        remaining = until - loop.time()
        if remaining <= 0:
            return
        try:
            kept = await asyncio.to_thread(log.renew, row_id, min(lease, remaining))
        except UNAVAILABLE:
            continue  # the next beat may get through
        if not kept:
            return


# Releases waiting for the database, kept referenced until they finish.
PENDING_RELEASES: set[asyncio.Task] = set()


async def release_claim(log: MessageLog, row_id: int, channel: str) -> None:
    """Give a claim back so that a redelivery may handle the message; when the
    database refuses, keep trying in the background (for up to
    ``RELEASE_RETRY_FOR_SECONDS``) rather than leave the claim until it expires."""
    try:
        await asyncio.to_thread(log.release, row_id)
    except UNAVAILABLE:
        logger.warning("%s: database down, message %s released later", channel, row_id)
        task = asyncio.get_running_loop().create_task(_release_later(log, row_id, channel))
        PENDING_RELEASES.add(task)
        task.add_done_callback(PENDING_RELEASES.discard)


async def _release_later(log: MessageLog, row_id: int, channel: str) -> None:
    loop = asyncio.get_running_loop()
    until = loop.time() + RELEASE_RETRY_FOR_SECONDS
    while loop.time() < until:
        await asyncio.sleep(RELEASE_RETRY_SECONDS)
        try:
            await asyncio.to_thread(log.release, row_id)
            return
        except UNAVAILABLE:
            continue
    logger.warning("%s: message %s not released; its claim expires", channel, row_id)


@dataclass(frozen=True)
class Admission:
    """What to do with a delivery: ``outcome`` is ADMITTED, BUSY or DONE (see
    ``MessageLog.admit``); ``row_id`` is None when nothing could be recorded."""

    outcome: str
    row_id: int | None = None


class ChannelRecords:
    """One channel's view of the message log (default: this process's log)."""

    def __init__(self, channel: Channel, log: MessageLog | None = None) -> None:
        self.channel = channel
        self._log = log
        self._heartbeats: dict[int, asyncio.Task] = {}

    @property
    def log(self) -> MessageLog:
        """The log, opened on first use (the process's one engine)."""
        if self._log is None:
            self._log = process_services().message_log
        return self._log

    async def inbound(
        self,
        conversation_id: str,
        text: str,
        external_id: str | None = None,
        at: dt.datetime | None = None,
        hold_replies: bool = False,
    ) -> Admission:
        """Record a message; with a platform id, also claim it so that concurrent
        copies (in any process) are handled once. A database that is down admits it.
        ``hold_replies``: the turn's replies wait until its tracker is saved."""
        start_turn(hold_replies)
        try:
            if external_id is None:
                row, _ = await asyncio.to_thread(
                    self.log.receive, self.channel, conversation_id, None, text, at
                )
                return Admission(ADMITTED, row.id)
            lease = live_lease(self.log)
            row, outcome = await asyncio.to_thread(
                self.log.admit, self.channel, conversation_id, external_id, text, at, lease
            )
        except UNAVAILABLE:
            logger.warning(
                "%s: database down, message from %s not recorded", self.channel, conversation_id
            )
            return Admission(ADMITTED)
        if outcome == ADMITTED:
            self._keep_claim(row.id, lease)
        return Admission(outcome, row.id)

    def _keep_claim(self, row_id: int, lease: float) -> None:
        loop = asyncio.get_running_loop()
        task = loop.create_task(renew_claim(self.log, row_id, lease))
        self._heartbeats[row_id] = task
        task.add_done_callback(
            lambda done: (
                self._heartbeats.pop(row_id) if self._heartbeats.get(row_id) is done else None
            )
        )

    def _stop_claim(self, row_id: int | None) -> None:
        task = self._heartbeats.pop(row_id, None) if row_id is not None else None
        if task is not None:
            task.cancel()

    async def answered(self, row_id: int | None) -> None:
        """The turn is over: answered, or failed when the dialogue could not run."""
        self._stop_claim(row_id)
        turn = current_turn()
        if turn is not None and turn.failure:
            await self._quietly(self.log.set_status, row_id, FAILED, turn.failure, what="failed")
            return
        await self._quietly(self.log.set_status, row_id, ANSWERED, what="marked answered")

    async def failed(self, row_id: int | None, reason: str = TURN_FAILED) -> None:
        """The dialogue could not run; the applicant was asked to send it again."""
        self._stop_claim(row_id)
        await self._quietly(self.log.set_status, row_id, FAILED, reason, what="failed")

    async def release(self, row_id: int | None) -> None:
        """Handling failed: a later delivery of the same message may handle it."""
        self._stop_claim(row_id)
        if row_id is not None:
            await release_claim(self.log, row_id, self.channel)

    async def sent(
        self, conversation_id: str, text: str, author: str, reply_to_id: int | None = None
    ) -> None:
        try:
            await asyncio.to_thread(
                self.log.record_sent, self.channel, conversation_id, text, author, reply_to_id
            )
        except UNAVAILABLE:
            logger.warning(
                "%s: database down, reply to %s not recorded", self.channel, conversation_id
            )

    async def _quietly(
        self, call: Callable[..., object], row_id: int | None, *args: str, what: str
    ) -> None:
        if row_id is None:
            return
        try:
            await asyncio.to_thread(call, row_id, *args)
        except UNAVAILABLE:
            logger.warning("%s: database down, message %s not %s", self.channel, row_id, what)
