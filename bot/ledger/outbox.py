"""A durable local outbox: filings that could not reach the database wait here.

Each filing is one JSON file, written to a temporary name, flushed to disk and
renamed, so a crash leaves either the whole item or nothing. Draining files
each item with its ``intake_key`` (its own key, unless the filing had one): an item filed twice (a
crash between filing and deleting the file) still makes one case. NIK and
contact data are encrypted in the file as in the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from bot.ledger.crypto import FieldCipher
from bot.ledger.db import UNAVAILABLE
from bot.ledger.service import Filed, Ledger, NewCase

logger = logging.getLogger(__name__)
SENSITIVE_FIELDS = ("nik", "contact")


class Outbox:
    def __init__(self, directory: Path, cipher: FieldCipher) -> None:
        self.directory = directory
        self.rejected_dir = directory / "rejected"
        self._cipher = cipher
        self._drain_lock = threading.Lock()

    def put(self, new: NewCase) -> str:
        """Store a filing durably; returns its key, which is also its future
        ``intake_key`` unless the filing already carries one (kept: an attempt that
        reached the database before the connection broke is then not filed twice)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}"
        record = dataclasses.asdict(dataclasses.replace(new, intake_key=new.intake_key or key))
        record["received_at"] = (new.received_at or dt.datetime.now(dt.timezone.utc)).isoformat()
        for field in SENSITIVE_FIELDS:
            if record[field]:
                record[field] = self._cipher.encrypt(record[field])
        temporary = self.directory / f".{key}.tmp"
        # Readable by the service user only, whatever the process's umask.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.rename(self.directory / f"{key}.json")
        _fsync_directory(self.directory)
        return key

    def keys(self) -> list[str]:
        """Keys of the waiting items, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(path.stem for path in self.directory.glob("*.json"))

    def load(self, key: str) -> NewCase:
        record = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        record["received_at"] = dt.datetime.fromisoformat(record["received_at"])
        for field in SENSITIVE_FIELDS:
            if record.get(field):
                record[field] = self._cipher.decrypt(record[field])
        return NewCase(**record)

    def drain(self, ledger: Ledger) -> list[Filed]:
        """File every waiting item; stops (keeping the rest) when the database is down."""
        filed: list[Filed] = []
        with self._drain_lock:
            for key in self.keys():
                try:
                    new = self.load(key)
                except (ValueError, TypeError, KeyError) as error:
                    self._reject(key, error)
                    continue
                except FileNotFoundError:
                    continue  # drained by another process meanwhile
                try:
                    filed.append(ledger.file(new))
                except UNAVAILABLE:
                    logger.warning(
                        "Ledger database still unavailable; %d item(s) wait", len(self.keys())
                    )
                    break
                except ValueError as error:
                    self._reject(key, error)
                    continue
                (self.directory / f"{key}.json").unlink(missing_ok=True)
                logger.info("Filed outbox item %s as %s", key, filed[-1].case.ticket)
        return filed

    def _reject(self, key: str, error: Exception) -> None:
        """Keep an unreadable or invalid item aside for a person to look at."""
        self.rejected_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.directory / f"{key}.json").rename(self.rejected_dir / f"{key}.json")
        logger.error(
            "Outbox item %s cannot be filed (%s); moved to %s", key, error, self.rejected_dir
        )


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
