"""Find the knowledge-base entry that answers a message.

Each entry is indexed by its title, its question phrasings, its short answer and
its tags, as word and character n-grams of the normalised text, so slang and
typos still match. Two signals score every entry: a linear classifier trained
on those texts (one-vs-rest SVM) and the best cosine similarity to one of the
entry's texts. Their sum is mapped to a confidence in [0, 1] (Platt scaling)
and compared with an acceptance threshold.

The mapping is calibrated on every (re)load by cross-validation: the question
phrasings of each fold are asked against a model fitted without them (a stand-in
for unseen wordings), and texts that are no questions at all serve as negatives.
Because the confidence is a probability of being right, the threshold follows
from what a wrong answer costs against no answer (WRONG_ANSWER_COST).

A lookup may be scoped to one program (entries whose ``programs`` include it)
and one year (entries dated by valid_from/valid_until, or by a year in their
id such as ``jadwal_cpns_2024``, must cover it; undated entries always may).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.svm import LinearSVC

from bot.kb.schema import Entry
from bot.programs import PROGRAMS
from bot.text import normalize

# Uncalibrated (a knowledge base too small to cross-validate): a plain sigmoid.
DEFAULT_THRESHOLD = 0.5
# Accepting a wrong entry counts this many times as much as a missed right one (which
# still gets the likely entries offered as buttons): answer from a confidence of 0.8.
WRONG_ANSWER_COST = 4.0
FOLDS = 5
SVM_C = 1.0
_ID_YEAR = re.compile(r"(?:^|_)(20\d\d)(?=_|$)")


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class _Documents:
    texts: list[str]  # normalised
    entry: np.ndarray  # entry index of each text
    question: np.ndarray  # True for a question phrasing (held out in calibration)
    starts: np.ndarray  # index of each entry's first text


class Retriever:
    """A fitted index over the entries of one knowledge-base version."""

    def __init__(
        self,
        entries: Sequence[Entry],
        negatives: Sequence[str] = (),
        wrong_answer_cost: float = WRONG_ANSWER_COST,
    ) -> None:
        self.entries = tuple(entries)
        self._wrong_answer_cost = wrong_answer_cost
        self._documents = _documents(self.entries)
        self._doc_entry = self._documents.entry
        self._by_id = {entry.id: entry for entry in self.entries}
        self._index = {entry.id: index for index, entry in enumerate(self.entries)}
        self._tagged: dict[str, np.ndarray] = {}
        self._in_program = {
            program: np.array([program in entry.programs for entry in self.entries], dtype=bool)
            for program in PROGRAMS
        }
        years = [entry_years(entry) for entry in self.entries]
        self._first_year = np.array([span[0] for span in years])
        self._last_year = np.array([span[1] for span in years])
        self._word, self._char = _vectorizers()
        self._matrix = self._vectorize(self._documents.texts, fit=True)
        self._matrix_t = self._matrix.T.tocsr()  # queries @ documents, fast
        negative_texts = [text for text in map(normalize, negatives) if text]
        self._negatives = self._vectorize(negative_texts) if negative_texts else None
        every_negative = np.ones(len(negative_texts), dtype=bool)
        self._weights, self._bias = self._fit_classifier(
            np.ones(len(self._doc_entry), dtype=bool), every_negative
        )
        self._scale, self._offset = 1.0, 0.0
        self.threshold = self._calibrate()

    def _vectorize(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            word, char = self._word.fit_transform(texts), self._char.fit_transform(texts)
        else:
            word, char = self._word.transform(texts), self._char.transform(texts)
        return _combine(word, char)

    def _fit_classifier(
        self, rows: np.ndarray, negative_rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One-vs-rest linear SVM over the documents in ``rows``: weights (features x
        entries, float32, laid out for ``queries @ weights``) and bias per entry.

        The negatives in ``negative_rows`` form one more class, "no entry", so a
        text unlike every entry scores low everywhere. An entry with no document
        among ``rows`` (or a knowledge base of one entry and no negatives) gets
        zero weights: only its cosine similarity speaks for it.
        """
        none = len(self.entries)
        weights = np.zeros((self._matrix.shape[1], none), dtype=np.float32)
        bias = np.zeros(none, dtype=np.float32)
        features, labels = self._matrix[rows], self._doc_entry[rows]
        if self._negatives is not None and negative_rows.any():
            features = sparse.vstack([features, self._negatives[negative_rows]]).tocsr()
            labels = np.concatenate([labels, np.full(int(negative_rows.sum()), none)])
        present = np.unique(labels)
        if len(present) < 2:
            return weights, bias
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm = LinearSVC(C=SVM_C).fit(features, labels)
        coef, intercept = svm.coef_, svm.intercept_
        if len(present) == 2:  # sklearn keeps one hyperplane for two classes
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        keep = present < none
        weights[:, present[keep]], bias[present[keep]] = coef[keep].T, intercept[keep]
        return weights, bias

    def _raw_scores(
        self,
        queries: sparse.csr_matrix,
        weights: np.ndarray,
        bias: np.ndarray,
        documents: np.ndarray | None = None,
    ) -> np.ndarray:
        """Classifier margin plus best cosine similarity, per query (rows) and entry."""
        margins = np.asarray(queries.astype(np.float32) @ weights) + bias
        similarities = (queries @ self._matrix_t).toarray()
        if documents is not None:
            similarities[:, ~documents] = 0.0
        # Documents are grouped by entry, in entry order: the best of each group.
        return margins + np.maximum.reduceat(similarities, self._documents.starts, axis=1)

    def _confidence(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self._scale * raw + self._offset)))

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

    def tagged(self, tag: str) -> np.ndarray:
        """Which entries carry ``tag`` (computed once per tag)."""
        if tag not in self._tagged:
            self._tagged[tag] = np.array([tag in entry.tags for entry in self.entries], dtype=bool)
        return self._tagged[tag]

    def scores(self, *texts: str) -> list[np.ndarray]:
        """Each text's confidence for every entry (vectorised together: one pass)."""
        queries = [normalize(text) for text in texts]
        if not self.entries or not any(queries):
            return [np.zeros(len(self.entries)) for _ in texts]
        confidences = self._confidence(
            self._raw_scores(self._vectorize(queries), self._weights, self._bias)
        )
        return [
            confidences[i] if query else np.zeros(len(self.entries))
            for i, query in enumerate(queries)
        ]

    def similarity(self, text: str, entry: Entry) -> float:
        """The best cosine similarity of ``text`` to one of ``entry``'s texts."""
        query = normalize(text)
        index = self._index.get(entry.id)
        if not query or index is None:
            return 0.0
        rows = self._doc_entry == index
        return float((self._matrix[rows] @ self._vectorize([query]).T).max())

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

    def _calibrate(self) -> float:
        """Fit the confidence mapping; the threshold follows from the cost of a wrong answer.

        Each fold's question phrasings and negatives are scored by a model fitted
        without them: a phrasing is right when its best entry is its own, a
        negative is always wrong to answer. Platt scaling maps the score to the
        probability of being right, and answering pays off from the probability
        at which a wrong answer (cost ``wrong_answer_cost``) and a missed right one
        (cost 1) weigh the same.
        """
        held_out = np.flatnonzero(self._documents.question)
        if len(self.entries) < 2 or len(held_out) < FOLDS:
            return DEFAULT_THRESHOLD
        negatives = self._negatives.shape[0] if self._negatives is not None else 0
        negative_fold = np.arange(negatives) % FOLDS
        best_raw: list[float] = []
        right: list[bool] = []
        folds = KFold(FOLDS, shuffle=True, random_state=0).split(held_out)
        for fold, (_, test) in enumerate(folds):
            rows = np.ones(len(self._doc_entry), dtype=bool)
            rows[held_out[test]] = False
            weights, bias = self._fit_classifier(rows, negative_fold != fold)
            raw = self._raw_scores(self._matrix[held_out[test]], weights, bias, rows)
            best_raw.extend(raw.max(axis=1))
            right.extend(raw.argmax(axis=1) == self._doc_entry[held_out[test]])
            if self._negatives is not None and (negative_fold == fold).any():
                queries = self._negatives[negative_fold == fold]
                best_raw.extend(self._raw_scores(queries, weights, bias, rows).max(axis=1))
                right.extend([False] * queries.shape[0])
        outcomes = np.array(right)
        if outcomes.all() or not outcomes.any():
            return DEFAULT_THRESHOLD
        platt = LogisticRegression().fit(np.array(best_raw).reshape(-1, 1), outcomes)
        self._scale, self._offset = float(platt.coef_[0][0]), float(platt.intercept_[0])
        return round(self._wrong_answer_cost / (1.0 + self._wrong_answer_cost), 2)


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """Word 1-2 grams and character 2-5 grams of the normalised texts."""
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return word, char


def _combine(word: sparse.spmatrix, char: sparse.spmatrix) -> sparse.csr_matrix:
    return l2_normalize(sparse.hstack([0.5 * word, char]).tocsr())


def close_pairs(
    entries: Sequence[Entry], limit: float
) -> list[tuple[Entry, str, Entry, str, float]]:
    """Phrasings that sit closer than ``limit`` (cosine, the retriever's vectors) to a
    phrasing of another entry. Only the vectors are fitted, not the classifier and its
    calibration, so ``kb check`` and the console's saves stay quick."""
    entries = tuple(entries)
    documents = _documents(entries)
    word, char = _vectorizers()
    matrix = _combine(word.fit_transform(documents.texts), char.fit_transform(documents.texts))
    questions = np.flatnonzero(documents.question)
    matrix = matrix[questions]
    similarities = (matrix @ matrix.T).toarray()
    texts = [text for entry in entries for text in entry.questions]
    owners = documents.entry[questions]
    pairs = []
    rows, cols = np.where(np.triu(similarities, k=1) >= limit)
    for row, col in zip(rows, cols, strict=True):
        first, second = owners[row], owners[col]
        if first != second:
            pairs.append(
                (
                    entries[first],
                    texts[row],
                    entries[second],
                    texts[col],
                    float(similarities[row, col]),
                )
            )
    return pairs


def _documents(entries: Sequence[Entry]) -> _Documents:
    """The texts that stand for each entry: questions first, then title, short answer, tags."""
    texts: list[str] = []
    owners: list[int] = []
    question: list[bool] = []
    for index, entry in enumerate(entries):
        for text in entry.questions:
            texts.append(normalize(text))
            owners.append(index)
            question.append(True)
        extras = (entry.short_answer or "", " ".join(entry.tags).replace("_", " "))
        # The title always: every entry owns at least one text.
        for text in (entry.title, *(extra for extra in extras if extra.strip())):
            texts.append(normalize(text))
            owners.append(index)
            question.append(False)
    owner_array = np.array(owners, dtype=int)
    starts = np.searchsorted(owner_array, np.arange(len(entries)))
    return _Documents(texts, owner_array, np.array(question, dtype=bool), starts)


def entry_years(entry: Entry) -> tuple[int, int]:
    """The first and last year ``entry`` is about (0 and 9999 when undated)."""
    if entry.valid_from or entry.valid_until:
        first = entry.valid_from.year if entry.valid_from else 0
        return first, entry.valid_until.year if entry.valid_until else 9999
    named = [int(year) for year in _ID_YEAR.findall(entry.id)]
    return (min(named), max(named)) if named else (0, 9999)
