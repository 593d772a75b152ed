"""Find the knowledge-base entry that answers a message (TF-IDF, cosine).

Each entry is indexed by its title and question phrasings, as word and
character n-grams of the normalised text, so slang and typos still match.
The acceptance threshold is calibrated on every (re)load: each phrasing is
asked against the index without itself (a stand-in for an unseen wording),
and texts that are no questions at all serve as negatives.

A lookup may be scoped to one program (entries whose ``programs`` include it)
and one year (entries dated by valid_from/valid_until, or by a year in their
id such as ``jadwal_cpns_2024``, must cover it; undated entries always may).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from bot.kb.schema import Entry
from bot.programs import PROGRAMS
from bot.text import normalize

DEFAULT_THRESHOLD = 0.35
MIN_THRESHOLD, MAX_THRESHOLD = 0.2, 0.6
_ID_YEAR = re.compile(r"(?:^|_)(20\d\d)(?=_|$)")


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


class Retriever:
    """A fitted index over the entries of one knowledge-base version."""

    def __init__(self, entries: Sequence[Entry], negatives: Sequence[str] = ()) -> None:
        self.entries = tuple(entries)
        self._doc_entry: list[int] = []
        documents: list[str] = []
        for index, entry in enumerate(self.entries):
            for text in (entry.title, *entry.questions):
                documents.append(normalize(text))
                self._doc_entry.append(index)
        self._doc_entry_array = np.array(self._doc_entry)
        self._by_id = {entry.id: entry for entry in self.entries}
        self._in_program = {
            program: np.array([program in entry.programs for entry in self.entries], dtype=bool)
            for program in PROGRAMS
        }
        years = [entry_years(entry) for entry in self.entries]
        self._first_year = np.array([span[0] for span in years])
        self._last_year = np.array([span[1] for span in years])
        self._word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self._matrix = self._vectorize(documents, fit=True)
        self.threshold = self._calibrate([normalize(text) for text in negatives])

    def _vectorize(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            word, char = self._word.fit_transform(texts), self._char.fit_transform(texts)
        else:
            word, char = self._word.transform(texts), self._char.transform(texts)
        return l2_normalize(sparse.hstack([0.5 * word, char]).tocsr())

    def _entry_scores(self, similarities: np.ndarray) -> np.ndarray:
        """Best similarity per entry, from similarities per document."""
        scores = np.zeros(len(self.entries))
        np.maximum.at(scores, self._doc_entry_array, similarities)
        return scores

    def entry(self, entry_id: str | None) -> Entry | None:
        """The entry with this id, if this version has it."""
        return self._by_id.get(entry_id) if entry_id else None

    def allowed(self, program: str | None, year: int | None) -> np.ndarray:
        """Which entries may answer within ``program`` and ``year``."""
        allowed = np.ones(len(self.entries), dtype=bool)
        if program:
            allowed &= self._in_program[program]
        if year:
            allowed &= (self._first_year <= year) & (year <= self._last_year)
        return allowed

    def scores(self, *texts: str) -> list[np.ndarray]:
        """Each text's similarity to every entry (vectorised together: one pass)."""
        queries = [normalize(text) for text in texts]
        if not self.entries or not any(queries):
            return [np.zeros(len(self.entries)) for _ in texts]
        similarities = (self._matrix @ self._vectorize(queries).T).toarray()
        return [
            self._entry_scores(similarities[:, i]) if query else np.zeros(len(self.entries))
            for i, query in enumerate(queries)
        ]

    def ranked(
        self,
        scores: np.ndarray,
        limit: int = 3,
        program: str | None = None,
        year: int | None = None,
    ) -> list[Match]:
        """The best entries by ``scores`` within ``program`` and ``year``, best first."""
        scoped = np.where(self.allowed(program, year), scores, 0.0)
        order = np.argsort(-scoped)[:limit]
        return [Match(self.entries[i], float(scoped[i])) for i in order if scoped[i] > 0]

    def accepted(
        self, scores: np.ndarray, program: str | None = None, year: int | None = None
    ) -> Match | None:
        """The best entry by ``scores`` if it passes the threshold."""
        ranked = self.ranked(scores, 1, program, year)
        return ranked[0] if ranked and ranked[0].score >= self.threshold else None

    def rank(
        self, text: str, limit: int = 3, program: str | None = None, year: int | None = None
    ) -> list[Match]:
        """The best entries for ``text`` (within ``program`` and ``year``), best first."""
        return self.ranked(self.scores(text)[0], limit, program, year)

    def best(self, text: str, program: str | None = None, year: int | None = None) -> Match | None:
        """The entry that answers ``text``, or None when none is good enough."""
        return self.accepted(self.scores(text)[0], program, year)

    def _calibrate(self, negatives: Sequence[str]) -> float:
        """Pick the threshold that makes the most right accept/reject decisions."""
        all_similarities = (self._matrix @ self._matrix.T).toarray()
        positives: list[tuple[float, bool]] = []  # (score, top entry is right)
        for doc, entry_index in enumerate(self._doc_entry):
            similarities = all_similarities[doc].copy()
            similarities[doc] = 0.0  # leave the phrasing itself out
            scores = self._entry_scores(similarities)
            positives.append((float(scores.max()), int(scores.argmax()) == entry_index))
        negative_scores: list[float] = []
        if negatives:
            negative_similarities = (self._vectorize(negatives) @ self._matrix.T).toarray()
            negative_scores = [
                float(self._entry_scores(row).max()) for row in negative_similarities
            ]
        if not positives:
            return DEFAULT_THRESHOLD
        candidates = np.arange(MIN_THRESHOLD, MAX_THRESHOLD + 1e-9, 0.01)
        best_threshold, best_right = DEFAULT_THRESHOLD, -1
        for threshold in candidates:
            right = sum((score >= threshold) == correct for score, correct in positives) + sum(
                score < threshold for score in negative_scores
            )
            if right > best_right:
                best_threshold, best_right = float(threshold), right
        return round(best_threshold, 2)

    def close_pairs(self, limit: float) -> list[tuple[Entry, str, Entry, str, float]]:
        """Phrasings that sit closer than ``limit`` to a phrasing of another entry."""
        similarities = (self._matrix @ self._matrix.T).toarray()
        texts = [text for entry in self.entries for text in (entry.title, *entry.questions)]
        pairs = []
        rows, cols = np.where(np.triu(similarities, k=1) >= limit)
        for row, col in zip(rows, cols, strict=True):
            first, second = self._doc_entry[row], self._doc_entry[col]
            if first != second:
                pairs.append(
                    (
                        self.entries[first],
                        texts[row],
                        self.entries[second],
                        texts[col],
                        float(similarities[row, col]),
                    )
                )
        return pairs


def entry_years(entry: Entry) -> tuple[int, int]:
    """The first and last year ``entry`` is about (0 and 9999 when undated)."""
    if entry.valid_from or entry.valid_until:
        first = entry.valid_from.year if entry.valid_from else 0
        return first, entry.valid_until.year if entry.valid_until else 9999
    named = [int(year) for year in _ID_YEAR.findall(entry.id)]
    return (min(named), max(named)) if named else (0, 9999)
