"""Record what the knowledge base answered (or could not) for the reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import sessionmaker

from bot.ledger.models import KbLookup
from bot.privacy import redact_personal_data


def record_lookup(
    sessions: sessionmaker,
    channel: str,
    faq_id: str | None,
    text: str,
    at: dt.datetime | None = None,
    *,
    conversation_id: str | None = None,
    confidence: float | None = None,
    outcome: str | None = None,
) -> None:
    """One lookup: the question (redacted), the entry that answered it if any, how
    sure the answer was and its outcome (answered, low_confidence, unanswered)."""
    with sessions() as session, session.begin():
        session.add(
            KbLookup(
                at=at or dt.datetime.now(dt.timezone.utc),
                channel=channel,
                faq_id=faq_id,
                text=redact_personal_data(text)[:500],
                conversation_id=conversation_id,
                confidence=confidence,
                outcome=outcome or ("answered" if faq_id else "unanswered"),
            )
        )
