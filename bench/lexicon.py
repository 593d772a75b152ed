"""The effect of the colloquial-Indonesian lexicon (bot/text.py) on the labelled set.

The lexicon feeds the knowledge-base retriever and the complaint-topic
classifier (not the Rasa NLU, which reads raw text). This section rebuilds both
with three lexicons and prints, for the labelled questions and complaints:
answered share, precision, right entry, wrong-answer rate (retrieval alone:
no program or season rules, every question treated as a question) and the
complaint category accuracy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from bench.eval_set import Labelled
from bot import text as text_module
from bot.kb.retriever import Retriever
from bot.services import NON_QUESTION_INTENTS, Services
from bot.topics import TopicClassifier


@contextmanager
def lexicon_in_use(lexicon: Mapping[str, str]) -> Iterator[None]:
    """Run with ``lexicon`` in place of bot.text's, then restore it."""
    saved = dict(text_module.SLANG)
    text_module.SLANG.clear()
    text_module.SLANG.update(lexicon)
    try:
        yield
    finally:
        text_module.SLANG.clear()
        text_module.SLANG.update(saved)


def lexicons() -> dict[str, dict[str, str]]:
    """The variants compared: none, ours alone, Kamus Alay under ours (in use)."""
    return {
        "no lexicon": {},
        "own lexicon only": text_module.load_lexicon(base={}),
        "Kamus Alay + own (in use)": text_module.load_lexicon(),
    }


def lexicon_effect(rows: Sequence[Labelled], services: Services) -> list[str]:
    """The section's lines."""
    entries = services.knowledge_base.current().entries
    examples = services.examples
    negatives = [e.text for e in examples if e.intent in NON_QUESTION_INTENTS]
    questions = [row for row in rows if row.kind == "question"]
    answerable = sum(bool(row.faq_id) for row in questions)
    complaints = [row for row in rows if row.kind == "complaint"]
    lines = [
        "lexicon effect (retrieval alone on the labelled questions; topic classifier on "
        "its complaints):",
        "    lexicon                        forms  answered  precision  right entry  wrong"
        "  category",
    ]
    for name, lexicon in lexicons().items():
        with lexicon_in_use(lexicon):
            retriever = Retriever(entries, negatives)
            topics = TopicClassifier.from_examples(examples)
            best = [retriever.best(row.text) for row in questions]
            given = [match.entry.id if match else "" for match in best]
            category = sum(topics.predict(row.text).topic == row.category for row in complaints)
        answered = [(got, row) for got, row in zip(given, questions, strict=True) if got]
        right = sum(got == row.faq_id for got, row in answered)
        lines.append(
            f"    {name:28s} {len(lexicon):6d}  {len(answered) / len(questions):8.3f}"
            f"  {right / max(len(answered), 1):9.3f}  {right / max(answerable, 1):11.3f}"
            f"  {(len(answered) - right) / len(questions):5.3f}"
            f"  {category / max(len(complaints), 1):8.3f}"
        )
    return lines
