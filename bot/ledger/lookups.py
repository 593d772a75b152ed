"""Record what the knowledge base answered (or could not), and whether it helped.

Outcomes: ``answered``; ``low_confidence`` when the bot answered with a confidence
under the threshold plus LOW_CONFIDENCE_MARGIN, or offered entries to choose from
instead of answering; ``unanswered`` when it had nothing to offer. Reports count
FAQ use from them; FAQ suggestions (bot/kb/suggestions.py) group the questions
that were not answered well.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import KbLookup
from bot.privacy import redact_personal_data

ANSWERED, LOW_CONFIDENCE, UNANSWERED = "answered", "low_confidence", "unanswered"
HELPFUL, UNHELPFUL = "helpful", "unhelpful"
# An answer within this much of the acceptance threshold counts as unsure: with the
# product's threshold of 0.8, answers at a confidence from 0.8 to 0.9.
LOW_CONFIDENCE_MARGIN = 0.1
# "Was this helpful?" is about the conversation's latest lookup of this recent past.
FEEDBACK_WINDOW = dt.timedelta(minutes=30)


def outcome_of(answered: float | None, offered: float | None, threshold: float) -> str:
    """The outcome of a lookup: ``answered`` is the confidence of the entry that
    answered (None: no entry answered), ``offered`` the best confidence among
    entries offered as choices (None: none offered)."""
    if answered is not None:
        return ANSWERED if answered >= threshold + LOW_CONFIDENCE_MARGIN else LOW_CONFIDENCE
    return LOW_CONFIDENCE if offered is not None else UNANSWERED


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
                outcome=outcome or (ANSWERED if faq_id else UNANSWERED),
            )
        )


def record_feedback(
    sessions: sessionmaker, conversation_id: str, helpful: bool, at: dt.datetime | None = None
) -> bool:
    """Mark the conversation's latest lookup of the last FEEDBACK_WINDOW helpful or
    unhelpful (the later answer wins); False when there is none."""
    now = at or dt.datetime.now(dt.timezone.utc)
    with sessions() as session, session.begin():
        latest = session.scalar(
            select(KbLookup.id)
            .where(
                KbLookup.conversation_id == conversation_id, KbLookup.at >= now - FEEDBACK_WINDOW
            )
            .order_by(KbLookup.id.desc())
            .limit(1)
        )
        if latest is None:
            return False
        session.execute(
            update(KbLookup)
            .where(KbLookup.id == latest)
            .values(feedback=HELPFUL if helpful else UNHELPFUL)
        )
        return True
