"""FAQ suggestions: what applicants asked that the knowledge base did not answer well.

A period's lookups that got no answer (``unanswered``), an unsure one
(``low_confidence``) or a "tidak membantu" (``unhelpful``) are grouped by wording:
each distinct normalised text (bot/text.py) becomes word (1-2) and character
(2-5) n-grams of its content words, and average-linkage clustering joins
wordings while the mean cosine similarity between two groups stays at least
MIN_SIMILARITY, so slang variants of one question meet and unrelated questions
stay apart. A group asked fewer than MIN_ASKS times is dropped.

Each group is a suggestion for Humas: how often and where it was asked, why
(reasons), up to five example wordings, the entries nearest it (the
retriever's confidence, averaged over its typical wordings) and a proposed
entry id, title and phrasings. Humas approves it as a new entry, merges it into
an existing one or dismisses it; the normalised wordings of a decided
suggestion are remembered by hash and never suggested again.

The suggestion tables hold counts and ranks, never an applicant's text: the
wordings are read from ``kb_lookups.text`` when a suggestion is loaded, so a
text erased or purged there disappears from the suggestion too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.kb.retriever import Retriever
from bot.kb.schema import ID_PATTERN
from bot.kb.store import KnowledgeBaseError, KnowledgeBaseStore
from bot.ledger.calendar import WIB
from bot.ledger.lookups import LOW_CONFIDENCE, UNANSWERED, UNHELPFUL
from bot.ledger.models import (
    KbDecidedQuestion,
    KbLookup,
    KbSuggestion,
    KbSuggestionLock,
    KbSuggestionMember,
)
from bot.privacy import redact_personal_data
from bot.text import SLANG, normalize

logger = logging.getLogger(__name__)

OPEN, APPROVED, MERGED, DISMISSED = "open", "approved", "merged", "dismissed"
STATES = (OPEN, APPROVED, MERGED, DISMISSED)
# Two groups of wordings join while their mean cosine similarity is at least this.
MIN_SIMILARITY = 0.35
# A group asked fewer times than this is no suggestion (one ask is noise).
MIN_ASKS = 2
MAX_EXAMPLES = 5
MAX_NEAREST = 3
MIN_PHRASINGS, MAX_PHRASINGS = 3, 10
# Wordings scored against the entries for the nearest ones (most typical first).
SCORED_WORDINGS = 10
# Bounds of one refresh: the newest lookups and the most asked distinct wordings.
MAX_LOOKUPS = 50_000
MAX_WORDINGS = 2_000
ID_WORDS = 4
MAX_ID = 64
MAX_TITLE = 120
DEFAULT_DAYS = 7
LOCK_ROW = 1
# Function words, question words and forms of address: no content of their own.
_STOP_WORDS = """
    ada adakah adalah admin agar aja akan aku anda apa apakah atau bagaimana bang banget
    bapak belum berapa bisa bisakah bro bu buat cara caranya dalam dan dari deh dengan di
    dimana dong gan hai halo ibu ingin ini itu jika juga kah kak kakak kalau kami kamu kan
    kapan karena kasih ke kenapa kita kok lagi lah mas masih mana mau mbak mengapa min
    minta mohon nih nya oleh pada pagi pak para permisi pun saja saya selamat siang sih
    sis sore sudah supaya tanya terima tidak tolong tuh untuk walaupun ya yah yang
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_VOCATIVES = frozenset({"min", "admin", "kak", "kakak", "gan", "sis", "bro", "pak", "bu", "mas"})
_GREETINGS = frozenset({"halo", "hai", "permisi", "assalamualaikum", "pagi", "siang", "sore"})
_TRAILING = re.compile(r"[\s?!.,;:~]+$")


@dataclass(frozen=True)
class NearEntry:
    entry_id: str
    title: str
    score: float  # the retriever's confidence for this entry, 0..1


@dataclass(frozen=True)
class Suggestion:
    id: int
    size: int  # how many lookups (asks) it groups
    channels: dict[str, int]  # channel -> asks
    reasons: dict[str, int]  # "unanswered" | "low_confidence" | "unhelpful" -> asks
    examples: tuple[str, ...]  # <= 5 distinct redacted texts, most typical first
    questions: tuple[str, ...]  # every distinct redacted text of the group
    nearest: tuple[NearEntry, ...]  # <= 3 existing entries nearest the group, best first
    proposed_id: str  # valid KB id, not taken
    proposed_title: str
    proposed_phrasings: tuple[str, ...]  # up to 10 distinct phrasings from the questions
    state: str  # "open" | "approved" | "merged" | "dismissed"
    first_day: dt.date
    last_day: dt.date
    decided_by: str | None
    decided_at: dt.datetime | None
    entry_id: str | None  # the entry created (approved) or extended (merged)


class SuggestionError(ValueError):
    """A decision that cannot be taken (the message is for Humas, in Indonesian)."""


@dataclass(frozen=True)
class _Ask:
    """One lookup taken into the grouping."""

    id: int
    day: dt.date
    channel: str
    text: str  # redacted, stripped
    wording: str  # normalised
    reason: str


@dataclass(frozen=True)
class _Group:
    """A group of asks found by ``group_asks``, before it is stored."""

    asks: tuple[_Ask, ...]
    ranks: dict[str, int]  # wording -> rank (0: most typical)
    phrasings: dict[str, int]  # text -> order among the proposed phrasings
    nearest: tuple[NearEntry, ...]
    proposed_id: str


class SuggestionBook:
    """FAQ suggestions stored in the ledger database, built from ``kb_lookups``."""

    def __init__(self, sessions: sessionmaker, knowledge_base: KnowledgeBaseStore) -> None:
        self.sessions = sessions
        self.knowledge_base = knowledge_base

    def refresh(self, first_day: dt.date, last_day: dt.date) -> list[Suggestion]:
        """Rebuild the OPEN suggestions from the period's lookups; returns them largest first.

        The grouping runs outside any transaction; the replacement is one
        transaction behind the suggestion lock, so two refreshes (the daily job
        and the CLI) leave one consistent set. An open suggestion that shares most
        asks with a new group keeps its id; decided suggestions stay as they are.
        """
        if last_day < first_day:
            raise SuggestionError("Periode berakhir sebelum dimulai.")
        bounds = _bounds(first_day, last_day)
        retriever = self._retriever()
        with self.sessions() as session:
            decided = _decided_hashes(session)
            asks = _read_asks(session, *bounds)
        groups = group_asks([a for a in asks if _hash(a.wording) not in decided], retriever)
        with self.sessions() as session, session.begin():
            _lock(session)
            now_decided = _decided_hashes(session)
            if now_decided != decided:  # a decision came in meanwhile: group again
                asks = [a for a in asks if _hash(a.wording) not in now_decided]
                groups = group_asks(asks, retriever)
            self._replace_open(session, groups, retriever)
        return self.open()

    def open(self) -> list[Suggestion]:
        """The open suggestions, largest first."""
        with self.sessions() as session:
            rows = session.scalars(
                select(KbSuggestion)
                .where(KbSuggestion.state == OPEN)
                .order_by(KbSuggestion.size.desc(), KbSuggestion.id)
            ).all()
            return _load(session, rows)

    def get(self, suggestion_id: int) -> Suggestion | None:
        """One suggestion (any state), or None when there is no such id."""
        with self.sessions() as session:
            row = session.get(KbSuggestion, suggestion_id) if _is_id(suggestion_id) else None
            return _load(session, [row])[0] if row else None

    def approve(self, suggestion_id: int, entry_id: str, actor: str) -> Suggestion:
        """Record that ``actor`` wrote a new entry ``entry_id`` from the suggestion."""
        return self._decide(suggestion_id, APPROVED, actor, _valid_id(entry_id))

    def merge(self, suggestion_id: int, entry_id: str, actor: str) -> Suggestion:
        """Record that ``actor`` added the suggestion's phrasings to the existing entry."""
        entry_id = _valid_id(entry_id)
        retriever = self._retriever()
        if retriever is None or retriever.entry(entry_id) is None:
            raise SuggestionError(f"Entri '{entry_id}' tidak ada di basis pengetahuan.")
        return self._decide(suggestion_id, MERGED, actor, entry_id)

    def dismiss(self, suggestion_id: int, actor: str) -> Suggestion:
        """Set the suggestion aside: its questions are not suggested again."""
        return self._decide(suggestion_id, DISMISSED, actor, None)

    def _retriever(self) -> Retriever | None:
        try:
            return self.knowledge_base.current()
        except KnowledgeBaseError:
            logger.warning("FAQ suggestions without the knowledge base", exc_info=True)
            return None

    def _decide(
        self, suggestion_id: int, state: str, actor: str, entry_id: str | None
    ) -> Suggestion:
        actor = (actor or "").strip()
        if not actor or len(actor) > 100:
            raise SuggestionError("Nama petugas tidak valid.")
        if not _is_id(suggestion_id):
            raise SuggestionError("Saran tidak ditemukan.")
        with self.sessions() as session, session.begin():
            _lock(session)
            row = session.get(KbSuggestion, suggestion_id)
            if row is None:
                raise SuggestionError("Saran tidak ditemukan; mungkin sudah diperbarui.")
            if row.state != OPEN:
                raise SuggestionError(f"Saran ini sudah diputuskan oleh {row.decided_by}.")
            row.state, row.decided_by, row.entry_id = state, actor, entry_id
            row.decided_at = dt.datetime.now(dt.timezone.utc)
            texts = session.scalars(
                select(KbLookup.text)
                .join(KbSuggestionMember, KbSuggestionMember.lookup_id == KbLookup.id)
                .where(KbSuggestionMember.suggestion_id == row.id, KbLookup.text.is_not(None))
            ).all()
            hashes = {_hash(_wording(text)) for text in texts} - _decided_hashes(session)
            session.add_all(KbDecidedQuestion(text_hash=h, suggestion_id=row.id) for h in hashes)
        return self.get(suggestion_id)

    def _replace_open(
        self, session: Session, groups: Sequence[_Group], retriever: Retriever | None
    ) -> None:
        """Store ``groups`` as the open suggestions (reusing the ids of the old ones
        they share most asks with); old open suggestions left over go."""
        owner = {
            lookup_id: suggestion_id
            for suggestion_id, lookup_id in session.execute(
                select(KbSuggestionMember.suggestion_id, KbSuggestionMember.lookup_id)
                .join(KbSuggestion, KbSuggestion.id == KbSuggestionMember.suggestion_id)
                .where(KbSuggestion.state == OPEN)
            )
        }
        old_open = set(
            session.scalars(select(KbSuggestion.id).where(KbSuggestion.state == OPEN)).all()
        )
        taken = {entry.id for entry in retriever.entries} if retriever else set()
        taken |= set(
            session.scalars(select(KbSuggestion.entry_id).where(KbSuggestion.entry_id.is_not(None)))
        )
        now = dt.datetime.now(dt.timezone.utc)
        session.execute(
            delete(KbSuggestionMember).where(KbSuggestionMember.suggestion_id.in_(old_open))
        )
        for group in groups:
            overlap = Counter(owner[ask.id] for ask in group.asks if owner.get(ask.id) in old_open)
            reuse = max(overlap, key=lambda old: (overlap[old], -old), default=None)
            proposed = _unique(group.proposed_id, taken)
            taken.add(proposed)
            values = _row_values(group, proposed)
            if reuse is not None:
                old_open.discard(reuse)
                session.execute(update(KbSuggestion).where(KbSuggestion.id == reuse).values(values))
                suggestion_id = reuse
            else:
                row = KbSuggestion(state=OPEN, created_at=now, **values)
                session.add(row)
                session.flush()
                suggestion_id = row.id
            session.add_all(
                KbSuggestionMember(
                    suggestion_id=suggestion_id,
                    lookup_id=ask.id,
                    rank=group.ranks[ask.wording],
                    phrasing=group.phrasings.get(ask.text),
                )
                for ask in group.asks
            )
        if old_open:
            session.execute(delete(KbSuggestion).where(KbSuggestion.id.in_(old_open)))


def refresh_daily(services, today: dt.date) -> list[Suggestion]:
    """The daily job: rebuild the open suggestions from the last seven days up to ``today``."""
    return services.suggestions.refresh(today - dt.timedelta(days=DEFAULT_DAYS - 1), today)


def as_dict(suggestion: Suggestion) -> dict:
    """A suggestion as JSON-ready data (dates and times in ISO 8601)."""
    data = asdict(suggestion)
    data["first_day"] = suggestion.first_day.isoformat()
    data["last_day"] = suggestion.last_day.isoformat()
    data["decided_at"] = suggestion.decided_at.isoformat() if suggestion.decided_at else None
    return data


def describe(suggestion: Suggestion) -> str:
    """A suggestion as a few lines of text for Humas (``sscn kb suggestions``)."""

    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{name} {n}" for name, n in values.items())

    labels = {
        UNANSWERED: "tak terjawab",
        LOW_CONFIDENCE: "kurang yakin",
        UNHELPFUL: "tidak membantu",
    }
    lines = [
        f"#{suggestion.id} [{suggestion.state}] ditanyakan {suggestion.size} kali"
        f" ({suggestion.first_day.isoformat()} s.d. {suggestion.last_day.isoformat()})",
        f"  kanal: {counts(suggestion.channels)}",
        f"  alasan: {counts({labels.get(k, k): n for k, n in suggestion.reasons.items()})}",
        "  contoh:",
        *(f"    - {example}" for example in suggestion.examples),
        "  entri terdekat: "
        + (", ".join(f"{n.entry_id} ({n.score:.2f})" for n in suggestion.nearest) or "-"),
        f"  usulan id: {suggestion.proposed_id}",
        f"  usulan judul: {suggestion.proposed_title}",
        "  usulan pertanyaan:",
        *(f"    - {phrasing}" for phrasing in suggestion.proposed_phrasings),
    ]
    if suggestion.decided_by:
        lines.append(f"  diputuskan oleh {suggestion.decided_by}: {suggestion.entry_id or '-'}")
    return "\n".join(lines)


def group_asks(asks: Sequence[_Ask], retriever: Retriever | None) -> list[_Group]:
    """Group the asks by wording (see the module's docstring), largest first."""
    by_wording: dict[str, list[_Ask]] = defaultdict(list)
    for ask in asks:
        if _content_words(ask.wording):
            by_wording[ask.wording].append(ask)
    wordings = sorted(by_wording, key=lambda w: (-len(by_wording[w]), w))[:MAX_WORDINGS]
    if not wordings:
        return []
    weights = np.array([len(by_wording[w]) for w in wordings], dtype=float)
    similarity = _similarities(wordings)
    labels = _clusters(similarity)
    groups = []
    for label in np.unique(labels):
        indices = np.flatnonzero(labels == label)
        if weights[indices].sum() < MIN_ASKS:
            continue
        inner = similarity[np.ix_(indices, indices)]
        typicality = inner @ weights[indices]
        order = indices[np.lexsort((np.arange(len(indices)), -typicality))]
        ranked = [wordings[i] for i in order]
        group_asks_ = tuple(ask for w in ranked for ask in by_wording[w])
        groups.append(
            _Group(
                asks=group_asks_,
                ranks={w: rank for rank, w in enumerate(ranked)},
                phrasings=_phrasings(order, similarity, wordings, by_wording),
                nearest=_nearest(ranked, by_wording, retriever),
                proposed_id=_slug(ranked, by_wording),
            )
        )
    groups.sort(key=lambda g: (-len(g.asks), min(a.id for a in g.asks)))
    return groups


def _content_words(wording: str) -> list[str]:
    return [word for word in wording.split() if word not in STOP_WORDS]


def _similarities(wordings: Sequence[str]) -> np.ndarray:
    """Cosine similarities of the wordings' content words (word 1-2 + char 2-5 grams)."""
    content = [" ".join(_content_words(w)) for w in wordings]
    words = TfidfVectorizer(
        token_pattern=r"\S+",
        ngram_range=(1, 2),
        sublinear_tf=True,
    ).fit_transform(content)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True
    ).fit_transform(content)
    matrix = l2_normalize(sparse.hstack([words, chars]).tocsr())
    return np.clip((matrix @ matrix.T).toarray(), 0.0, 1.0)


def _clusters(similarity: np.ndarray) -> np.ndarray:
    if len(similarity) == 1:
        return np.zeros(1, dtype=int)
    model = AgglomerativeClustering(
        n_clusters=None,
        affinity="precomputed",
        linkage="average",
        distance_threshold=1.0 - MIN_SIMILARITY,
    )
    return model.fit(1.0 - similarity).labels_


def _phrasings(
    order: np.ndarray,
    similarity: np.ndarray,
    wordings: Sequence[str],
    by_wording: dict[str, list[_Ask]],
) -> dict[str, int]:
    """Diverse wordings: the most typical, then each time the one least like those
    picked (farthest-point), as their most asked raw text; text -> order."""
    chosen = [int(order[0])]
    rest = [int(i) for i in order[1:]]
    while rest and len(chosen) < MAX_PHRASINGS:
        closest = similarity[np.ix_(rest, chosen)].max(axis=1)
        chosen.append(rest.pop(int(np.argmin(closest))))
    picked: dict[str, int] = {}
    for index in chosen:
        texts = Counter(ask.text for ask in by_wording[wordings[index]])
        text = min(texts, key=lambda t: (-texts[t], t))
        picked.setdefault(text, len(picked))
    return picked


def _nearest(
    ranked: Sequence[str], by_wording: dict[str, list[_Ask]], retriever: Retriever | None
) -> tuple[NearEntry, ...]:
    """The entries nearest the group: confidence averaged over its typical wordings
    (weighted by asks), best first."""
    if retriever is None or not retriever.entries:
        return ()
    typical = list(ranked[:SCORED_WORDINGS])
    weights = np.array([len(by_wording[w]) for w in typical], dtype=float)
    scores = np.average(np.vstack(retriever.scores(*typical)), axis=0, weights=weights)
    return tuple(
        NearEntry(match.entry.id, match.entry.title, round(match.score, 3))
        for match in retriever.ranked(scores, MAX_NEAREST)
    )


def _slug(ranked: Sequence[str], by_wording: dict[str, list[_Ask]]) -> str:
    """An id from the group's top content words (asks containing them), in the order
    the most typical wording has them; ASCII snake case."""
    counts: Counter[str] = Counter()
    for wording in ranked:
        for word in set(_ascii_words(wording)):
            counts[word] += len(by_wording[wording])
    top = [word for word, _ in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:ID_WORDS]]
    first = _ascii_words(ranked[0])
    by_count = {word: place for place, word in enumerate(top)}
    top.sort(key=lambda w: first.index(w) if w in first else len(first) + by_count[w])
    slug = ""
    for word in top:
        if len(slug) + len(word) + 1 > MAX_ID:
            break
        slug = f"{slug}_{word}" if slug else word
    if not slug:
        return "saran_faq"
    return slug if slug[0].isalpha() else f"faq_{slug}"[:MAX_ID].rstrip("_")


def _ascii_words(wording: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", wording).encode("ascii", "ignore").decode()
    words = (re.sub(r"[^a-z0-9]", "", word) for word in folded.lower().split())
    return [word for word in words if len(word) > 1 and word not in STOP_WORDS]


def _unique(proposed: str, taken: set[str]) -> str:
    """``proposed``, or with the first free suffix _2, _3, ... (within 64 characters)."""
    if proposed not in taken:
        return proposed
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = proposed[: MAX_ID - len(suffix)].rstrip("_") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _row_values(group: _Group, proposed_id: str) -> dict:
    days = [ask.day for ask in group.asks]
    return {
        "first_day": min(days),
        "last_day": max(days),
        "size": len(group.asks),
        "channels": json.dumps(_count(ask.channel for ask in group.asks)),
        "reasons": json.dumps(_count(ask.reason for ask in group.asks)),
        "nearest": json.dumps([[n.entry_id, n.title, n.score] for n in group.nearest]),
        "proposed_id": proposed_id,
    }


def _count(values: Iterable[str]) -> dict[str, int]:
    """Counts, largest first (then by name)."""
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's start and end in UTC: whole days in WIB, both ends included."""
    try:
        start = dt.datetime.combine(first_day, dt.time(), WIB).astimezone(dt.timezone.utc)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), WIB)
        return start, end.astimezone(dt.timezone.utc)
    except OverflowError as error:
        raise SuggestionError("Periode tidak valid.") from error


def _read_asks(session: Session, start: dt.datetime, end: dt.datetime) -> list[_Ask]:
    """The lookups in [start, end) that went unanswered, unsure or unhelpful (newest
    first, at most MAX_LOOKUPS), with their texts redacted once more."""
    rows = session.execute(
        select(
            KbLookup.id,
            KbLookup.at,
            KbLookup.channel,
            KbLookup.text,
            KbLookup.outcome,
            KbLookup.feedback,
        )
        .where(
            KbLookup.at >= start,
            KbLookup.at < end,
            KbLookup.text.is_not(None),
            or_(
                KbLookup.outcome.in_((UNANSWERED, LOW_CONFIDENCE)),
                KbLookup.feedback == UNHELPFUL,
                and_(KbLookup.outcome.is_(None), KbLookup.faq_id.is_(None)),  # before 0012
            ),
        )
        .order_by(KbLookup.id.desc())
        .limit(MAX_LOOKUPS)
    ).all()
    asks = []
    for row in rows:
        text = _clean(row.text)
        wording = normalize(text)
        if not wording:
            continue
        reason = UNHELPFUL if row.feedback == UNHELPFUL else (row.outcome or UNANSWERED)
        day = row.at.astimezone(WIB).date()
        asks.append(_Ask(row.id, day, row.channel, text, wording, reason))
    return asks


def _clean(text: str) -> str:
    """A stored question as shown: redacted once more (rows older than the gate),
    whitespace collapsed."""
    return " ".join(redact_personal_data(text).split())


def _wording(text: str) -> str:
    """The normalised wording of a stored question (what decisions remember)."""
    return normalize(_clean(text))


def _decided_hashes(session: Session) -> set[str]:
    return set(session.scalars(select(KbDecidedQuestion.text_hash)).all())


def _hash(wording: str) -> str:
    return hashlib.sha256(wording.encode("utf-8")).hexdigest()


def _lock(session: Session) -> None:
    """Take the suggestion lock: upsert its one row (a write lock on SQLite, a row
    lock on PostgreSQL), held until the transaction ends."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = dt.datetime.now(dt.timezone.utc)
    statement = dialect.insert(KbSuggestionLock).values(id=LOCK_ROW, touched_at=now)
    session.execute(
        statement.on_conflict_do_update(index_elements=["id"], set_={"touched_at": now})
    )


def _load(session: Session, rows: Sequence[KbSuggestion]) -> list[Suggestion]:
    """Suggestions with their texts read from the lookups (erased ones skipped)."""
    texts: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    if rows:
        for suggestion_id, rank, phrasing, text in session.execute(
            select(
                KbSuggestionMember.suggestion_id,
                KbSuggestionMember.rank,
                KbSuggestionMember.phrasing,
                KbLookup.text,
            )
            .join(KbLookup, KbLookup.id == KbSuggestionMember.lookup_id)
            .where(
                KbSuggestionMember.suggestion_id.in_([row.id for row in rows]),
                KbLookup.text.is_not(None),
            )
            .order_by(KbSuggestionMember.rank, KbLookup.id)
        ):
            clean = _clean(text)
            if clean:
                texts[suggestion_id].append((rank, phrasing, clean))
    return [_suggestion(row, texts[row.id]) for row in rows]


def _suggestion(row: KbSuggestion, members: list[tuple[int, int | None, str]]) -> Suggestion:
    questions = tuple(dict.fromkeys(text for _, _, text in members))
    examples: dict[int, str] = {}
    for rank, _, text in members:
        if len(examples) < MAX_EXAMPLES and rank not in examples and text not in examples.values():
            examples[rank] = text
    phrasings = [text for _, text in sorted({(p, t) for _, p, t in members if p is not None})]
    phrasings = list(dict.fromkeys(phrasings))[:MAX_PHRASINGS]
    for text in (*examples.values(), *questions, *(normalize(q) for q in questions)):
        if len(phrasings) >= MIN_PHRASINGS:
            break
        if text and text.lower() not in {p.lower() for p in phrasings}:
            phrasings.append(text)
    first = next(iter(examples.values()), None)
    title = tidy_title(first) if first else "Saran " + row.proposed_id.replace("_", " ")
    return Suggestion(
        id=row.id,
        size=row.size,
        channels=json.loads(row.channels),
        reasons=json.loads(row.reasons),
        examples=tuple(examples.values()),
        questions=questions,
        nearest=tuple(NearEntry(e, t, float(s)) for e, t, s in json.loads(row.nearest)),
        proposed_id=row.proposed_id,
        proposed_title=title,
        proposed_phrasings=tuple(phrasings),
        state=row.state,
        first_day=row.first_day,
        last_day=row.last_day,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        entry_id=row.entry_id,
    )


def tidy_title(text: str) -> str:
    """A question as an entry title: greetings and forms of address at its ends
    dropped, chat slang spelt out ("gmn" -> "bagaimana"), capitalised, ending in "?",
    at most MAX_TITLE characters."""
    words = text.split()
    while len(words) > 1 and _bare(words[0]) in _GREETINGS | _VOCATIVES:
        words.pop(0)
    while len(words) > 1 and _bare(words[-1]) in _VOCATIVES:
        words.pop()
    words = [SLANG.get(word.lower(), word) for word in words]
    title = _TRAILING.sub("", " ".join(words))
    if len(title) > MAX_TITLE - 1:
        title = title[: MAX_TITLE - 1].rsplit(" ", 1)[0]
    return (title[:1].upper() + title[1:] + "?") if title else ""


def _bare(word: str) -> str:
    return re.sub(r"\W", "", word.lower())


def _valid_id(entry_id: str) -> str:
    entry_id = (entry_id or "").strip()
    if not ID_PATTERN.match(entry_id):
        raise SuggestionError(
            "Id entri harus huruf kecil, angka dan '_' (2-64 karakter), diawali huruf."
        )
    return entry_id


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
