"""Classify a message into one of the eight kinds, with its FAQ id and topic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from bot.dates import today
from bot.inbound import prepare_inbound
from bot.kb.store import KnowledgeBaseStore
from bot.lookup import look_up, read_out_of_scope
from bot.seasons import SeasonCalendar, SeasonStore
from bot.topics import TopicClassifier

KINDS = (
    "question",
    "complaint",
    "status_check",
    "human",
    "greeting",
    "thanks",
    "goodbye",
    "out_of_scope",
)


@dataclass(frozen=True)
class IntentGuess:
    name: str
    confidence: float


# Given a text, the NLU's intent ranking, best first.
IntentParser = Callable[[str], Sequence[IntentGuess]]


@dataclass(frozen=True)
class Classification:
    text: str
    kind: str
    faq_id: str | None
    category: str | None
    confidence: float

    def as_dict(self) -> dict:
        return asdict(self)


def kind_of(ranking: Sequence[IntentGuess]) -> IntentGuess:
    """The best-ranked intent that is one of the eight kinds.

    Dialogue-only intents (affirm, deny, feedback, fallback) are skipped, so a
    lone message still gets the kind it is closest to.
    """
    for guess in ranking:
        if guess.name in KINDS:
            return guess
    return IntentGuess("out_of_scope", 0.0)


class MessageClassifier:
    """Combines the Rasa NLU, the knowledge base (looked up as the bot does: program,
    season) and the topic classifier."""

    def __init__(
        self,
        parse: IntentParser,
        knowledge_base: KnowledgeBaseStore,
        topics: TopicClassifier,
        seasons: SeasonStore | None = None,
        clock: Callable[[], dt.date] = today,
    ) -> None:
        self._parse = parse
        self._knowledge_base = knowledge_base
        self._topics = topics
        self._seasons = seasons
        self._clock = clock

    def classify(self, raw_text: str) -> Classification | None:
        """Classify one message; None for an empty one."""
        inbound = prepare_inbound(raw_text)
        if inbound is None:
            return None
        text = inbound.text
        kind = kind_of(self._parse(text))
        faq_id = category = None
        if kind.name == "question":
            calendar = self._seasons.current() if self._seasons else SeasonCalendar()
            lookup = look_up(text, self._knowledge_base.current(), calendar, self._clock())
            faq_id = lookup.match.entry.id if lookup.match else None
        elif kind.name == "out_of_scope":
            reading = read_out_of_scope(text, kind.confidence, self._knowledge_base.current())
            faq_id = reading.match.entry.id if reading.match else None
            if reading.question:
                kind = IntentGuess("question", kind.confidence)
        elif kind.name == "complaint":
            category = self._topics.predict(text).topic
        return Classification(text, kind.name, faq_id, category, round(kind.confidence, 4))
