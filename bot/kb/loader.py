"""Read every YAML file of the knowledge-base folder into entries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.kb.schema import Entry, Problem, parse_file

KB_PATTERNS = ("*.yml", "*.yaml")


@dataclass(frozen=True)
class LoadedKnowledgeBase:
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    fingerprint: str


def kb_files(directory: Path) -> list[Path]:
    """The knowledge-base files, in a stable order (hidden files are skipped)."""
    files = {path for pattern in KB_PATTERNS for path in directory.glob(pattern)}
    return sorted(path for path in files if not path.name.startswith((".", "_")))


def fingerprint(directory: Path) -> str:
    """A hash of the names and contents of the knowledge-base files."""
    digest = hashlib.sha1()
    for path in kb_files(directory):
        try:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        except OSError:  # removed between listing and reading
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def load_directory(directory: Path) -> LoadedKnowledgeBase:
    """Parse and validate every file; problems name the file and entry."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    files = kb_files(directory)
    if not files:
        problems.append(Problem(str(directory), None, "no knowledge-base files (*.yml) found"))
    digest = hashlib.sha1()
    for path in files:
        try:
            content = path.read_bytes()
        except OSError as error:
            problems.append(Problem(path.name, None, f"cannot be read: {error}"))
            digest.update(path.name.encode() + b"<unreadable>")
            continue
        digest.update(path.name.encode())
        digest.update(content)
        try:
            document = yaml.safe_load(content.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            problems.append(Problem(path.name, None, f"is not valid UTF-8 YAML: {error}"))
            continue
        file_entries, file_problems = parse_file(path.name, document)
        entries.extend(file_entries)
        problems.extend(file_problems)
    problems.extend(_duplicate_ids(entries))
    return LoadedKnowledgeBase(tuple(entries), tuple(problems), digest.hexdigest())


def _duplicate_ids(entries: list[Entry]) -> list[Problem]:
    first_seen: dict[str, Entry] = {}
    problems = []
    for entry in entries:
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                Problem(entry.source_file, entry.id, f"duplicate id (also in {other.source_file})")
            )
        else:
            first_seen[entry.id] = entry
    return problems
