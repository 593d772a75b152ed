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


def _read_files(directory: Path) -> list[tuple[Path, bytes | OSError]]:
    """Each knowledge-base file with its bytes (or the error reading it)."""
    contents: list[tuple[Path, bytes | OSError]] = []
    for path in kb_files(directory):
        try:
            contents.append((path, path.read_bytes()))
        except OSError as error:  # e.g. removed between listing and reading
            contents.append((path, error))
    return contents


def _digest(contents: list[tuple[Path, bytes | OSError]]) -> str:
    digest = hashlib.sha1()
    for path, content in contents:
        digest.update(path.name.encode())
        digest.update(content if isinstance(content, bytes) else b"<unreadable>")
    return digest.hexdigest()


def fingerprint(directory: Path) -> str:
    """A hash of the names and contents of the knowledge-base files."""
    return _digest(_read_files(directory))


def load_directory(directory: Path) -> LoadedKnowledgeBase:
    """Parse and validate every file; problems name the file and entry."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    contents = _read_files(directory)
    if not contents:
        problems.append(Problem(str(directory), None, "no knowledge-base files (*.yml) found"))
    for path, content in contents:
        if isinstance(content, OSError):
            problems.append(Problem(path.name, None, f"cannot be read: {content}"))
            continue
        try:
            document = yaml.safe_load(content.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            problems.append(Problem(path.name, None, f"is not valid UTF-8 YAML: {error}"))
            continue
        file_entries, file_problems = parse_file(path.name, document)
        entries.extend(file_entries)
        problems.extend(file_problems)
    problems.extend(_duplicate_ids(entries))
    return LoadedKnowledgeBase(tuple(entries), tuple(problems), _digest(contents))


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
