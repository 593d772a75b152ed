"""The knowledge base's history: console changes (who, when, the diff) and edits made
to the files directly, found when any process reloads them.

One row of ``kb_snapshots`` holds the knowledge base as last seen (its files' hash
and every entry's YAML text) with a version number. A process that reloads moves
the snapshot to what it loaded with a compare-and-set on that version, and in the
same transaction records what changed since: so however many processes reload the
same edit, one of them records it, once. A change the console made is written
beforehand as pending (``applied = False``) with the text it saves; the reload that
sees that text claims it instead of recording an outside edit. A save that crashed
before replacing the file leaves only a pending row, never shown.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.kb.loader import LoadedKnowledgeBase, fingerprint
from bot.kb.schema import PROGRAMS, Entry
from bot.ledger.models import KbChange, KbSnapshot

logger = logging.getLogger(__name__)
SNAPSHOT_ID = 1
MAX_ATTEMPTS = 5
MAX_DIFF_CHARS = 50_000
CONSOLE, OUTSIDE = "console", "outside"
ADDED, CHANGED, REMOVED = "added", "changed", "removed"


class _EntryDumper(yaml.SafeDumper):
    """Multi-line texts (answers) as ``|`` blocks, so a diff shows their lines."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_EntryDumper.add_representer(str, _text)


def entry_text(entry: Entry) -> str:
    """The entry as YAML in the files' key order: what diffs and the snapshot compare."""
    data: dict = {
        "id": entry.id,
        "title": entry.title,
        "questions": list(entry.questions),
        "answer": entry.answer,
        "short_answer": entry.short_answer,
    }
    if entry.links:
        data["links"] = [{"title": link.title, "url": link.url} for link in entry.links]
    if entry.tags:
        data["tags"] = list(entry.tags)
    if entry.valid_from:
        data["valid_from"] = entry.valid_from.isoformat()
    if entry.valid_until:
        data["valid_until"] = entry.valid_until.isoformat()
    data["sources"] = [{"url": source.url, "year": source.year} for source in entry.sources]
    data["programs"] = ["all"] if entry.programs == PROGRAMS else sorted(entry.programs)
    return yaml.dump(data, Dumper=_EntryDumper, allow_unicode=True, sort_keys=False, width=100)


def digest(text: str | None) -> str:
    """SHA-1 of an entry's text; "" for an entry that no longer exists."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest() if text is not None else ""


@dataclass(frozen=True)
class EntryChange:
    """One entry before and after a change (``None``: it did not exist / was removed)."""

    entry_id: str
    file: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return ADDED
        return REMOVED if self.after is None else CHANGED

    @property
    def diff(self) -> str:
        lines = difflib.unified_diff(
            (self.before or "").splitlines(),
            (self.after or "").splitlines(),
            fromfile=f"{self.entry_id} (sebelum)",
            tofile=f"{self.entry_id} (sesudah)",
            lineterm="",
        )
        return "\n".join(lines)[:MAX_DIFF_CHARS]


@dataclass(frozen=True)
class ChangeRecord:
    """A recorded change, as the console shows it."""

    id: int
    at: dt.datetime
    actor: str | None
    source: str
    entry_id: str
    file: str
    kind: str
    diff: str

    @property
    def outside(self) -> bool:
        return self.source == OUTSIDE


Snapshot = dict[str, tuple[str, str]]  # entry id -> (file, YAML text)


def snapshot_of(entries: Iterable[Entry]) -> Snapshot:
    return {entry.id: (entry.source_file, entry_text(entry)) for entry in entries}


def changes_between(old: Mapping[str, Sequence[str]], new: Mapping[str, Sequence[str]]):
    """Every entry added, changed or removed from ``old`` to ``new``, in id order."""
    changes = []
    for entry_id in sorted(set(old) | set(new)):
        before, after = old.get(entry_id), new.get(entry_id)
        if before is not None and after is not None and before[1] == after[1]:
            continue
        file = (after or before)[0]
        changes.append(
            EntryChange(entry_id, file, before[1] if before else None, after[1] if after else None)
        )
    return changes


class KbHistory:
    """Records and lists the knowledge base's changes in the ledger database."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def record_console(
        self, actor: str, changes: Sequence[EntryChange], fingerprint_after: str
    ) -> None:
        """Changes the console is about to write, pending until a reload sees them."""
        now = dt.datetime.now(dt.timezone.utc)
        with self._sessions() as session, session.begin():
            for change in changes:
                session.add(_row(change, now, actor, CONSOLE, fingerprint_after, None, False))

    def observe(self, loaded: LoadedKnowledgeBase, directory: Path | None = None) -> None:
        """Move the snapshot to ``loaded`` and record what changed since: console
        changes it confirms, everything else as edited outside the console. The very
        first snapshot records nothing. ``directory``: on a lost race, go on only
        while its files are still the ones loaded."""
        if self._snapshot_head() == loaded.fingerprint:
            return  # nothing changed since the last look (the usual case: one query)
        new = snapshot_of(loaded.entries)
        for attempt in range(MAX_ATTEMPTS):
            if attempt and directory is not None and fingerprint(directory) != loaded.fingerprint:
                return  # newer files exist; the reload that loads them records them
            try:
                if self._advance(new, loaded.fingerprint):
                    return
            except IntegrityError:  # another process created the first snapshot
                continue
        logger.warning("knowledge-base history: snapshot kept moving, gave up this reload")

    def _advance(self, new: Snapshot, fingerprint_after: str) -> bool:
        """One compare-and-set of the snapshot; False when another process moved it."""
        now = dt.datetime.now(dt.timezone.utc)
        payload = json.dumps(new, ensure_ascii=False, sort_keys=True)
        with self._sessions() as session, session.begin():
            head = session.execute(
                select(KbSnapshot.version, KbSnapshot.fingerprint).where(
                    KbSnapshot.id == SNAPSHOT_ID
                )
            ).first()
            if head is None:
                session.add(
                    KbSnapshot(
                        id=SNAPSHOT_ID,
                        version=1,
                        fingerprint=fingerprint_after,
                        entries=payload,
                        updated_at=now,
                    )
                )
                session.flush()
                self._claim(session, new, 1)
                return True
            if head.fingerprint == fingerprint_after:
                return True
            old = session.scalar(
                select(KbSnapshot.entries).where(
                    KbSnapshot.id == SNAPSHOT_ID, KbSnapshot.version == head.version
                )
            )
            version = head.version + 1
            moved = (
                old is not None
                and session.execute(
                    update(KbSnapshot)
                    .where(KbSnapshot.id == SNAPSHOT_ID, KbSnapshot.version == head.version)
                    .values(
                        version=version,
                        fingerprint=fingerprint_after,
                        entries=payload,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
            )
            if not moved:
                return False
            claimed = self._claim(session, new, version)
            for change in changes_between(json.loads(old), new):
                if change.entry_id not in claimed:
                    session.add(_row(change, now, None, OUTSIDE, fingerprint_after, version, True))
            return True

    def _snapshot_head(self) -> str | None:
        """The fingerprint of the snapshot, None before the first."""
        with self._sessions() as session:
            return session.scalar(
                select(KbSnapshot.fingerprint).where(KbSnapshot.id == SNAPSHOT_ID)
            )

    @staticmethod
    def _claim(session: Session, new: Snapshot, version: int) -> set[str]:
        """Pending console changes whose text is now in the files: applied. Their ids."""
        pending = session.scalars(
            select(KbChange).where(KbChange.applied.is_(False)).order_by(KbChange.id.desc())
        ).all()
        claimed: set[str] = set()
        for row in pending:
            current = new.get(row.entry_id)
            if row.entry_id in claimed or digest(current[1] if current else None) != (
                row.entry_digest
            ):
                continue
            row.applied, row.snapshot_version = True, version
            claimed.add(row.entry_id)
        return claimed

    def for_entry(self, entry_id: str, limit: int = 100) -> list[ChangeRecord]:
        """The entry's recorded changes, newest first."""
        return self._records(
            select(KbChange)
            .where(KbChange.entry_id == entry_id, KbChange.applied.is_(True))
            .order_by(KbChange.id.desc())
            .limit(limit)
        )

    def recent(self, limit: int = 50) -> list[ChangeRecord]:
        """The latest changes of any entry, newest first."""
        return self._records(
            select(KbChange)
            .where(KbChange.applied.is_(True))
            .order_by(KbChange.id.desc())
            .limit(limit)
        )

    def latest_by_entry(self) -> dict[str, ChangeRecord]:
        """Each entry's last recorded change."""
        last = (
            select(func.max(KbChange.id))
            .where(KbChange.applied.is_(True))
            .group_by(KbChange.entry_id)
        )
        records = self._records(select(KbChange).where(KbChange.id.in_(last)))
        return {record.entry_id: record for record in records}

    def _records(self, query) -> list[ChangeRecord]:
        with self._sessions() as session:
            return [
                ChangeRecord(
                    id=row.id,
                    at=row.at,
                    actor=row.actor,
                    source=row.source,
                    entry_id=row.entry_id,
                    file=row.file,
                    kind=row.kind,
                    diff=row.diff,
                )
                for row in session.scalars(query)
            ]


def _row(
    change: EntryChange,
    at: dt.datetime,
    actor: str | None,
    source: str,
    fingerprint_after: str,
    version: int | None,
    applied: bool,
) -> KbChange:
    return KbChange(
        at=at,
        actor=actor,
        source=source,
        entry_id=change.entry_id,
        file=change.file,
        kind=change.kind,
        diff=change.diff,
        entry_digest=digest(change.after),
        fingerprint_after=fingerprint_after,
        snapshot_version=version,
        applied=applied,
    )
