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
) -> None:
    """One lookup; the question's text is kept only when no entry answered it."""
    with sessions() as session, session.begin():
        session.add(
            KbLookup(
                at=at or dt.datetime.now(dt.timezone.utc),
                channel=channel,
                faq_id=faq_id,
                text=None if faq_id else redact_personal_data(text)[:500],
            )
        )
