"""Serve the last good knowledge base and pick up edits on the next message."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.kb.loader import LoadedKnowledgeBase, fingerprint, load_directory
from bot.kb.retriever import Retriever

logger = logging.getLogger(__name__)


class KnowledgeBaseError(RuntimeError):
    """The knowledge base could not be loaded and no good version exists yet."""


class KnowledgeBaseStore:
    """Holds a fitted retriever for the current files of ``directory``.

    ``current()`` compares a hash of the files with the one it served last and
    reloads on change. A broken edit is logged and ignored: the last good
    version keeps serving until the files are fixed. ``on_reload`` is told each
    version that is loaded and served (the history records what changed); its
    failures are logged and never stop the reload.
    """

    def __init__(
        self,
        directory: Path,
        negatives: Callable[[], Sequence[str]] = tuple,
        on_reload: Callable[[LoadedKnowledgeBase], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self._negatives = negatives
        self._on_reload = on_reload
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._served: str | None = None  # fingerprint of the files now served
        self._rejected: str | None = None  # fingerprint of the last broken edit
        self.last_problems: tuple = ()

    def current(self) -> Retriever:
        """The retriever for the newest valid files (reloading if they changed)."""
        with self._lock:
            seen = fingerprint(self.directory)
            if seen not in (self._served, self._rejected):
                self._reload()
            if self._retriever is None:
                raise KnowledgeBaseError(
                    "knowledge base unusable: " + "; ".join(map(str, self.last_problems))
                )
            return self._retriever

    def _reload(self) -> None:
        loaded = load_directory(self.directory)
        self.last_problems = loaded.problems
        if loaded.problems:
            self._rejected = loaded.fingerprint
            logger.error(
                "Knowledge base edit rejected, still serving the last good version: %s",
                "; ".join(map(str, loaded.problems)),
            )
            return
        self._retriever = Retriever(loaded.entries, self._negatives())
        self._served, self._rejected = loaded.fingerprint, None
        logger.info(
            "Knowledge base loaded: %d entries, threshold %.2f",
            len(loaded.entries),
            self._retriever.threshold,
        )
        if self._on_reload is not None:
            try:
                self._on_reload(loaded)
            except Exception:  # the history is a record, never a reason not to serve
                logger.warning("Knowledge base reload hook failed", exc_info=True)
