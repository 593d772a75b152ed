"""Build the long-lived objects a process needs, once."""

from __future__ import annotations

from functools import cached_property

from bot.config import Settings
from bot.kb.store import KnowledgeBaseStore
from bot.nlu_data import Example, examples_by_intent, read_examples
from bot.seasons import SeasonStore
from bot.topics import TopicClassifier

# Intents whose examples are certainly not FAQ questions: negatives when the
# knowledge base calibrates its threshold.
NON_QUESTION_INTENTS = ("out_of_scope", "greeting", "thanks", "goodbye", "affirm", "deny")


class Services:
    """The knowledge base, the season calendar and the topic classifier, built on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()

    @cached_property
    def examples(self) -> list[Example]:
        return read_examples(self.settings.nlu_dir)

    @cached_property
    def knowledge_base(self) -> KnowledgeBaseStore:
        return KnowledgeBaseStore(
            self.settings.kb_dir,
            negatives=lambda: examples_by_intent(self.examples, *NON_QUESTION_INTENTS),
        )

    @cached_property
    def seasons(self) -> SeasonStore:
        """The season calendar Humas edits (``knowledge_base/config/seasons.yml``)."""
        return SeasonStore(self.settings.kb_dir / "config" / "seasons.yml")

    @cached_property
    def topics(self) -> TopicClassifier:
        return TopicClassifier.from_examples(self.examples)
