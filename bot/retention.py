"""Retention of applicants' data (UU 27/2022): ``sscn privacy purge``, run daily.

What is kept how long (settings, in days):

- a conversation's message texts and transcript (tracker store):
  ``SSCN_RETAIN_TRANSCRIPT_DAYS`` (90), unless the conversation has a case that is
  kept: open, or closed less than ``SSCN_RETAIN_CLOSED_CASE_DAYS`` ago;
- a closed case's texts, name, NIK, contacts: ``SSCN_RETAIN_CLOSED_CASE_DAYS`` (730)
  after closure, and only once no other case keeps its conversation; open cases
  are never purged;
- the questions the knowledge base was asked: ``SSCN_RETAIN_QUESTION_DAYS`` (180).

Purging anonymises (bot/ledger/anonymise.py): the rows stay with what the reports
count, so a report over any period gives the same totals before and after. A
purge is a list of named steps, one per store (``purge_steps``); a store added
later adds one line there. Every run that changed something is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import Select

from bot.ledger import anonymise
from bot.ledger.lifecycle import CLOSED
from bot.ledger.models import Case, KbLookup, Message
from bot.ledger.outbox import Outbox
from bot.privacy_audit import PURGE, record
from bot.services import Services

PURGE_ACTOR = "retensi"
_CLOSED = [status.value for status in CLOSED]


@dataclass(frozen=True)
class Cutoffs:
    """What is older than these moments goes."""

    now: dt.datetime
    transcripts: dt.datetime
    closed_cases: dt.datetime
    questions: dt.datetime


@dataclass(frozen=True)
class RetentionPolicy:
    transcript_days: int
    closed_case_days: int
    question_days: int

    def __post_init__(self) -> None:
        for name, days in vars(self).items():
            if days < 1:
                raise ValueError(f"retention {name} must be at least 1 day, not {days}")

    @classmethod
    def from_settings(cls, services: Services) -> RetentionPolicy:
        settings = services.settings
        return cls(
            settings.retain_transcript_days,
            settings.retain_closed_case_days,
            settings.retain_question_days,
        )

    def cutoffs(self, now: dt.datetime) -> Cutoffs:
        return Cutoffs(
            now=now,
            transcripts=now - dt.timedelta(days=self.transcript_days),
            closed_cases=now - dt.timedelta(days=self.closed_case_days),
            questions=now - dt.timedelta(days=self.question_days),
        )


def kept_conversations(cutoffs: Cutoffs) -> Select:
    """Conversations with a case that is kept: open, or closed after the cutoff."""
    closed_at = func.coalesce(Case.resolved_at, Case.updated_at)
    return select(Case.conversation_id).where(
        or_(Case.status.not_in(_CLOSED), closed_at >= cutoffs.closed_cases)
    )


@dataclass(frozen=True)
class PurgeStep:
    """One store: ``run(cutoffs, dry_run)`` -> rows (or files) anonymised or deleted,
    or such counts per table; in a dry run, how many would be (None: the store cannot
    tell beforehand)."""

    name: str
    run: Callable[[Cutoffs, bool], int | None | Mapping[str, int]]


@dataclass(frozen=True)
class PurgeResult:
    cutoffs: Cutoffs
    counts: dict[str, int | None]
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(count or 0 for count in self.counts.values())

    def summary(self) -> str:
        """One line for the daily job's log."""
        verb = "would anonymise" if self.dry_run else "anonymised"
        parts = ", ".join(f"{store} {count}" for store, count in self.counts.items() if count)
        return f"{verb} {self.total} row(s)" + (f" ({parts})" if parts else "")


def purge_steps(services: Services) -> list[PurgeStep]:
    """The stores a purge goes through, in order. Add a store with one line."""
    sessions, pseudonyms = services.sessions, services.pseudonyms

    def tracker(cutoffs: Cutoffs, dry_run: bool) -> int:
        events = services.tracker_events
        if events is None:
            return 0
        with sessions() as session:
            kept = set(session.execute(kept_conversations(cutoffs)).scalars())
        return events.purge(cutoffs.transcripts, kept.__contains__, dry_run)

    def cases(cutoffs: Cutoffs, dry_run: bool) -> dict[str, int]:
        closed_at = func.coalesce(Case.resolved_at, Case.updated_at)
        condition = and_(
            Case.status.in_(_CLOSED),
            closed_at < cutoffs.closed_cases,
            Case.conversation_id.not_in(kept_conversations(cutoffs)),
        )
        return anonymise.cases(sessions, pseudonyms, condition, dry_run)

    def messages(cutoffs: Cutoffs, dry_run: bool) -> int:
        condition = and_(
            Message.at < cutoffs.transcripts,
            Message.conversation_id.not_in(kept_conversations(cutoffs)),
        )
        return anonymise.messages(sessions, pseudonyms, condition, dry_run)

    def lookups(cutoffs: Cutoffs, dry_run: bool) -> int:
        return anonymise.lookups(sessions, pseudonyms, KbLookup.at < cutoffs.questions, dry_run)

    def announcements(cutoffs: Cutoffs, dry_run: bool) -> int:
        return services.broadcasts.purge_before(cutoffs.transcripts, dry_run)

    def rejected_filings(cutoffs: Cutoffs, dry_run: bool) -> int:
        return purge_rejected(services.outbox, cutoffs.transcripts, dry_run)

    return [
        PurgeStep("tracker_events", tracker),
        PurgeStep("cases", cases),  # with their case_events and deliveries
        PurgeStep("messages", messages),
        PurgeStep("kb_lookups", lookups),
        PurgeStep("outbox_rejected", rejected_filings),
        PurgeStep("announcements", announcements),  # recipients of finished broadcasts
    ]


def purge_rejected(outbox: Outbox, cutoff: dt.datetime, dry_run: bool = False) -> int:
    """Delete outbox items set aside as unfileable (``rejected/``) before ``cutoff``."""
    if not outbox.rejected_dir.is_dir():
        return 0
    old = [
        path
        for path in outbox.rejected_dir.glob("*.json")
        if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc) < cutoff
    ]
    if not dry_run:
        for path in old:
            path.unlink(missing_ok=True)
    return len(old)


def purge(
    services: Services,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    policy: RetentionPolicy | None = None,
) -> PurgeResult:
    """Anonymise everything past its retention; audited unless nothing changed."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoffs = (policy or RetentionPolicy.from_settings(services)).cutoffs(now)
    counts: dict[str, int | None] = {}
    for step in purge_steps(services):
        done = step.run(cutoffs, dry_run)
        counts.update(done if isinstance(done, Mapping) else {step.name: done})
    result = PurgeResult(cutoffs, counts, dry_run)
    if not dry_run and result.total:
        record(services.sessions, now, PURGE_ACTOR, PURGE, counts)
    return result
