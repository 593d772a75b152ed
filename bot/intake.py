"""Taking in a case from a conversation: file it in the ledger, or spool it when the
database is down and file it when it is back.

This is the boundary the Rasa actions call; it knows nothing about Rasa.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from bot.case_status import PublicStatus, public_status
from bot.ledger.db import UNAVAILABLE
from bot.ledger.lookups import record_feedback, record_lookup
from bot.ledger.outbox import Outbox
from bot.ledger.service import Ledger, NewCase, UnknownCase
from bot.vocabulary import Channel

logger = logging.getLogger(__name__)
# Channels where replies are public (X): the bot asks for no personal details there.
PUBLIC_CHANNELS = frozenset({Channel.TWITTER})
RETRY_SECONDS = 30.0  # the default of SSCN_OUTBOX_RETRY_SECONDS (bot/config.py)


class LedgerUnavailable(RuntimeError):
    """The ledger database cannot be reached right now."""


@dataclass(frozen=True)
class Receipt:
    """The outcome of a filing: a ticket, or a key of the outbox item that holds it."""

    ticket: str | None = None
    due_at: dt.datetime | None = None
    created: bool = True  # False: the same complaint was already filed
    queued_key: str | None = None

    @property
    def queued(self) -> bool:
        return self.queued_key is not None


class IntakeDesk:
    """Files cases for the bot and answers applicants' status questions."""

    def __init__(self, ledger: Ledger, outbox: Outbox, retry_seconds: float = RETRY_SECONDS):
        self.ledger = ledger
        self.outbox = outbox
        self._retry_seconds = retry_seconds
        self._drainer: threading.Thread | None = None
        self._drainer_lock = threading.Lock()

    def resume_pending(self) -> bool:
        """Start the background retry for filings an earlier run left in the outbox (the
        action server calls this once at start); True when there were any."""
        if not self.outbox.keys():
            return False
        self.start_retrying()
        return True

    def submit(self, new: NewCase) -> Receipt:
        """File now; with the database down, keep the filing in the outbox instead.

        A filing with an ``intake_key`` may be submitted again (the action is retried
        when its action server died mid-call): it files one case, and the repeat's
        receipt reads as the first one's (``created``)."""
        try:
            filed = self.ledger.file(new)
        except UNAVAILABLE:
            logger.warning("Ledger database unavailable; filing goes to the outbox")
            key = self.outbox.put(new)
            self.start_retrying()
            return Receipt(queued_key=new.intake_key or key)
        ours = new.intake_key is not None and filed.case.intake_key == new.intake_key
        return Receipt(
            ticket=filed.case.ticket,
            due_at=self.ledger.sla_due(filed.case),
            created=filed.created or ours,
        )

    def filed_from_outbox(self, key: str) -> Receipt | None:
        """The ticket made from an outbox item, once the item has been filed."""
        try:
            if self.outbox.keys():
                self.outbox.drain(self.ledger)
            case = self.ledger.find_by_intake_key(key)
        except UNAVAILABLE:
            return None
        return Receipt(ticket=case.ticket, due_at=self.ledger.sla_due(case)) if case else None

    def record_lookup(
        self,
        channel: str,
        faq_id: str | None,
        text: str,
        *,
        conversation_id: str | None = None,
        confidence: float | None = None,
        outcome: str | None = None,
    ) -> None:
        """Note a knowledge-base lookup for the reports and FAQ suggestions; never
        fails the conversation."""
        try:
            record_lookup(
                self.ledger.sessions,
                channel,
                faq_id,
                text,
                conversation_id=conversation_id,
                confidence=confidence,
                outcome=outcome,
            )
        except Exception:  # a statistic is not worth a failed turn
            logger.warning("Knowledge-base lookup not recorded", exc_info=True)

    def record_feedback(self, conversation_id: str, helpful: bool) -> None:
        """Note whether the latest answer helped; never fails the conversation."""
        try:
            record_feedback(self.ledger.sessions, conversation_id, helpful)
        except Exception:  # a statistic is not worth a failed turn
            logger.warning("Knowledge-base feedback not recorded", exc_info=True)

    def status(self, channel: str, channel_user: str, ticket: str | None) -> PublicStatus | None:
        """A case's public status for its filer; ``None`` when unknown or not theirs.

        Without a ticket number it is the user's latest case.
        """
        try:
            if self.outbox.keys():
                self.outbox.drain(self.ledger)  # a just-restored database answers with it
            if ticket:
                case = self.ledger.get_for_user(ticket, channel, channel_user)
            else:
                case = self.ledger.latest_for_user(channel, channel_user)
            return public_status(case, self.ledger) if case else None
        except UnknownCase:
            return None
        except UNAVAILABLE as error:
            raise LedgerUnavailable(str(error)) from error

    def start_retrying(self) -> None:
        """Drain the outbox in the background until it is empty (idempotent)."""
        with self._drainer_lock:
            if self._drainer is not None and self._drainer.is_alive():
                return
            self._drainer = threading.Thread(
                target=self._retry_until_empty, name="outbox-drainer", daemon=True
            )
            self._drainer.start()

    def _retry_until_empty(self) -> None:
        stop = threading.Event()
        while self.outbox.keys():
            stop.wait(self._retry_seconds)
            try:
                self.outbox.drain(self.ledger)
            except Exception:  # keep retrying: the next round may succeed
                logger.exception("Draining the outbox failed")
