"""The privacy audit: every erasure request handled and every purge run, with counts.

An erasure names the applicant by the keyed hash of the conversation id
(bot/pseudonyms.py): the audit proves the request was handled without keeping
whom it was about. The reason is stored with personal data redacted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import PrivacyAudit
from bot.privacy import redact_personal_data

ERASE, PURGE = "erase", "purge"
MAX_REASON_CHARS = 300
MAX_ACTOR_CHARS = 100


def record(
    sessions: sessionmaker,
    at: dt.datetime,
    actor: str,
    action: str,
    counts: Mapping[str, int | None],
    channel: str | None = None,
    subject_hash: str | None = None,
    reason: str | None = None,
) -> PrivacyAudit:
    """Append one audit row."""
    reason = redact_personal_data((reason or "").replace("\x00", "")).strip()[:MAX_REASON_CHARS]
    row = PrivacyAudit(
        at=at,
        actor=redact_personal_data(actor)[:MAX_ACTOR_CHARS] or "?",
        action=action,
        channel=channel,
        subject_hash=subject_hash,
        counts=json.dumps(dict(counts), sort_keys=True),
        reason=reason or None,
    )
    with sessions() as session, session.begin():
        session.add(row)
    return row


def recent(sessions: sessionmaker, limit: int = 20) -> list[PrivacyAudit]:
    """The newest audit rows first."""
    with sessions() as session:
        return list(
            session.execute(
                select(PrivacyAudit).order_by(PrivacyAudit.id.desc()).limit(limit)
            ).scalars()
        )


def counts_of(row: PrivacyAudit) -> dict[str, int | None]:
    return json.loads(row.counts)
