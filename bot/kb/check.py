"""``sscn kb check``: everything wrong with the knowledge base, file by file."""

from __future__ import annotations

from pathlib import Path

from bot.kb.loader import load_directory
from bot.kb.retriever import Retriever
from bot.kb.schema import Problem

CONFLICT_SIMILARITY = 0.85


def check_directory(
    directory: Path, conflict_similarity: float = CONFLICT_SIMILARITY
) -> list[Problem]:
    """Schema errors, duplicate ids, bad dates and phrasings that likely conflict."""
    loaded = load_directory(directory)
    problems = list(loaded.problems)
    if loaded.entries:
        retriever = Retriever(loaded.entries)
        for entry, text, other, other_text, similarity in retriever.close_pairs(
            conflict_similarity
        ):
            problems.append(
                Problem(
                    entry.source_file,
                    entry.id,
                    f"phrasing {text!r} is {similarity:.2f} similar to {other_text!r} "
                    f"of {other.id} ({other.source_file}): likely conflict",
                )
            )
    return problems
