"""``sscn kb check``: everything wrong with the knowledge base, file by file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.kb.loader import load_directory
from bot.kb.retriever import close_pairs
from bot.kb.schema import Entry, Problem
from bot.programs import named_programs
from bot.seasons import parse_calendar

SEASON_FILE = Path("config") / "seasons.yml"

CONFLICT_SIMILARITY = 0.85


def check_directory(
    directory: Path, conflict_similarity: float = CONFLICT_SIMILARITY
) -> list[Problem]:
    """Schema errors, duplicate ids, bad dates, phrasings naming another program, conflicts."""
    loaded = load_directory(directory)
    problems = list(loaded.problems)
    problems.extend(program_mismatches(loaded.entries))
    problems.extend(season_problems(directory / SEASON_FILE))
    if loaded.entries:
        for entry, text, other, other_text, similarity in close_pairs(
            loaded.entries, conflict_similarity
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


def season_problems(path: Path) -> list[Problem]:
    """What is wrong with the season calendar (a missing file is allowed: every season
    then counts as not announced)."""
    if not path.exists():
        return []
    try:
        parse_calendar(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError, UnicodeDecodeError) as error:
        return [Problem(str(path), None, str(error))]
    return []


def program_mismatches(entries: Sequence[Entry]) -> list[Problem]:
    """Title or phrasings that name only programs the entry does not answer for."""
    problems = []
    for entry in entries:
        for text in (entry.title, *entry.questions):
            named = named_programs(text)
            if named and not named & entry.programs:
                problems.append(
                    Problem(
                        entry.source_file,
                        entry.id,
                        f"phrasing {text!r} names {', '.join(sorted(named))} but the entry's "
                        f"programs are {', '.join(sorted(entry.programs))}",
                    )
                )
    return problems
