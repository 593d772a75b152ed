"""The message log as seen from a channel: records never block or break a reply.

Each channel process opens the log lazily; when the database is down, messages
are still answered and only their records are missing (a warning is logged).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from functools import cached_property

from bot.ledger.db import UNAVAILABLE, make_engine, make_sessionmaker
from bot.ledger.messages import ANSWERED, RECEIVED, MessageLog

logger = logging.getLogger(__name__)
DUPLICATE = -1  # returned by ``inbound`` for a platform id that was already handled


class ChannelRecords:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    @cached_property
    def log(self) -> MessageLog:
        return MessageLog(make_sessionmaker(make_engine()))

    async def inbound(
        self,
        conversation_id: str,
        text: str,
        external_id: str | None = None,
        at: dt.datetime | None = None,
    ) -> int | None:
        """The new row's id; ``DUPLICATE`` when ``external_id`` was handled before;
        ``None`` when nothing could be recorded (the message is handled anyway)."""
        try:
            row, new = await asyncio.to_thread(
                self.log.receive, self.channel, conversation_id, external_id, text, at
            )
        except UNAVAILABLE:
            logger.warning(
                "%s: database down, message from %s not recorded", self.channel, conversation_id
            )
            return None
        if not new and row.status != RECEIVED:
            return DUPLICATE
        return row.id

    async def answered(self, row_id: int | None) -> None:
        if row_id is None or row_id == DUPLICATE:
            return
        try:
            await asyncio.to_thread(self.log.set_status, row_id, ANSWERED)
        except UNAVAILABLE:
            logger.warning(
                "%s: database down, message %s not marked answered", self.channel, row_id
            )

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
