"""The labelled evaluation set in bench/data/ and the `labelled` bench section.

`bench/data/labelled.tsv` holds messages the team wrote from the patterns of
docs/real-traffic.md, each with its kind, the FAQ topic id that answers it (empty
when the knowledge base should abstain), its program and, for complaints, its
category. It is never used for training.

The section runs the classifier `sscn classify` uses and prints kind accuracy,
how often questions are answered, how often the answer is right or wrong, the
complaint category accuracy, reliability tables (confidence against accuracy)
for the kind and for FAQ answers, and two sweeps that help calibrate: what the
retriever alone would answer at each score threshold, and how many messages a
kind-confidence floor would leave unsure. It prints figures and asserts nothing.
"""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.classify import KINDS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LABELLED_SET = PROJECT_ROOT / "bench" / "data" / "labelled.tsv"
COLUMNS = ("text", "kind", "faq_id", "program", "category")
HEADER = "\t".join(COLUMNS)
PROGRAMS = ("", "cpns", "pppk", "kedinasan")
BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class Labelled:
    text: str
    kind: str
    faq_id: str
    program: str
    category: str
    line: int


def _decode(text: str) -> str:
    """Messages keep their paragraphs as a literal backslash-n in the file."""
    return text.replace("\\n", "\n")


def load(
    path: Path = LABELLED_SET,
    faq_ids: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
) -> list[Labelled]:
    """Read and check the set; a bad row raises ValueError naming its line."""
    known_faq = set(faq_ids) if faq_ids is not None else None
    known_categories = set(categories) if categories is not None else None
    rows: list[Labelled] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: header must be {HEADER!r}")
        for line, raw in enumerate(reader, start=2):
            if None in raw or any(value is None for value in raw.values()):
                raise ValueError(f"{path}:{line}: expected {len(COLUMNS)} columns")
            row = Labelled(
                text=_decode(raw["text"].strip()),
                kind=raw["kind"].strip(),
                faq_id=raw["faq_id"].strip(),
                program=raw["program"].strip(),
                category=raw["category"].strip(),
                line=line,
            )
            problems = []
            if not row.text:
                problems.append("empty text")
            if row.kind not in KINDS:
                problems.append(f"unknown kind {row.kind!r}")
            if row.program not in PROGRAMS:
                problems.append(f"unknown program {row.program!r}")
            if row.faq_id and row.kind not in ("question", "out_of_scope"):
                # out_of_scope rows may name the entry that points a serving civil
                # servant to the right channel (pensiun_pns, mutasi_pns, ...).
                problems.append("faq_id on a message that is neither question nor out_of_scope")
            if row.category and row.kind != "complaint":
                problems.append("category on a message that is not a complaint")
            if row.kind == "complaint" and not row.category:
                problems.append("complaint without a category")
            if known_faq is not None and row.faq_id and row.faq_id not in known_faq:
                problems.append(f"unknown faq_id {row.faq_id!r}")
            if known_categories is not None and row.category not in known_categories | {""}:
                problems.append(f"unknown category {row.category!r}")
            if problems:
                raise ValueError(f"{path}:{line}: {'; '.join(problems)}")
            rows.append(row)
    return rows


def shared_faq_ids(domain: Path = PROJECT_ROOT.parent / "shared" / "domain") -> set[str] | None:
    """The topic ids (`## id` headings) of the shared fact files, if they are there."""
    files = [domain / "faq-facts.md", domain / "faq-facts-more.md"]
    if not all(path.exists() for path in files):
        return None
    ids = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## ") and " " not in line[3:].strip():
                ids.add(line[3:].strip())
    return ids


def complaint_categories() -> set[str]:
    import yaml

    data = yaml.safe_load(
        (PROJECT_ROOT / "bot" / "data" / "complaint-categories.yml").read_text(encoding="utf-8")
    )
    return {topic["id"] for topic in data["sscn_topics"]}


@dataclass(frozen=True)
class Outcome:
    row: Labelled
    kind: str
    kind_confidence: float
    faq_id: str
    faq_confidence: float | None
    category: str
    # The retriever's best entry and score whatever the threshold (questions only),
    # for the threshold sweep.
    top_faq: str = ""
    top_score: float | None = None
    seen_text: str = ""  # the text after the privacy gate, as the classifier saw it


REGISTERS = ("short chat (<= 60 chars)", "one paragraph", "letter (several paragraphs)")


def register(text: str) -> str:
    """A rough register from the shape of the message."""
    if "\n" in text.strip():
        return REGISTERS[2]
    return REGISTERS[0] if len(text) <= 60 else REGISTERS[1]


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "n/a (0/0)"


def reliability(pairs: Sequence[tuple[float, bool]], title: str) -> list[str]:
    """Confidence bins against the share of right decisions in each bin."""
    lines = [f"  reliability: {title}", "    confidence     n   accuracy  mean conf."]
    for low, high in zip(BINS, BINS[1:], strict=False):
        last = high == BINS[-1]
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (last and c == high)]
        if not inside:
            lines.append(f"    [{low:.1f}, {high:.1f}{']' if last else ')'}  {0:4d}        -")
            continue
        right = sum(ok for _, ok in inside)
        mean = sum(c for c, _ in inside) / len(inside)
        lines.append(
            f"    [{low:.1f}, {high:.1f}{']' if last else ')'}  {len(inside):4d}"
            f"   {right / len(inside):7.3f}   {mean:7.3f}"
        )
    if pairs:
        # Expected calibration error: gap between confidence and accuracy, weighted by bin size.
        gaps = 0.0
        for low, high in zip(BINS, BINS[1:], strict=False):
            last = high == BINS[-1]
            inside = [(c, ok) for c, ok in pairs if low <= c < high or (last and c == high)]
            if inside:
                accuracy = sum(ok for _, ok in inside) / len(inside)
                mean = sum(c for c, _ in inside) / len(inside)
                gaps += len(inside) * abs(accuracy - mean)
        lines.append(f"    expected calibration error {gaps / len(pairs):.3f}")
    return lines


def report(outcomes: Sequence[Outcome], per_message_ms: float, source: str) -> list[str]:
    lines = [
        f"labelled set: {len(outcomes)} messages ({source}), classify {per_message_ms:.1f}"
        " ms/message; written by the team, never used for training"
    ]
    right_kind = sum(o.kind == o.row.kind for o in outcomes)
    lines.append(f"  kind accuracy        {_share(right_kind, len(outcomes))}   target >= 0.90")
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.row.kind].append(outcome)
    for kind in KINDS:
        group = by_kind.get(kind, [])
        if not group:
            continue
        right = sum(o.kind == kind for o in group)
        confused = Counter(o.kind for o in group if o.kind != kind).most_common(3)
        note = ", ".join(f"{name} {count}" for name, count in confused)
        lines.append(
            f"    {kind:13s} {_share(right, len(group)):20s}"
            + (f" read as: {note}" if note else "")
        )
    registers: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        registers[register(outcome.row.text)].append(outcome)
    lines.append(
        "    by register: "
        + ", ".join(
            f"{name} {_share(sum(o.kind == o.row.kind for o in group), len(group))}"
            for name, group in sorted(registers.items(), key=lambda item: REGISTERS.index(item[0]))
        )
    )
    predicted = Counter(o.kind for o in outcomes)
    precision = ", ".join(
        f"{kind} {sum(o.row.kind == kind for o in outcomes if o.kind == kind) / count:.2f}"
        for kind, count in ((kind, predicted[kind]) for kind in KINDS)
        if count
    )
    lines.append(f"    precision per predicted kind: {precision}")

    questions = [o for o in outcomes if o.row.kind == "question"]
    answered = [o for o in questions if o.faq_id]
    right_answers = [o for o in answered if o.faq_id == o.row.faq_id]
    wrong_answers = [o for o in answered if o.faq_id != o.row.faq_id]
    answerable = [o for o in questions if o.row.faq_id]
    abstain = [o for o in questions if not o.row.faq_id]
    lines += [
        f"  questions: {len(questions)} ({len(answerable)} the KB should answer,"
        f" {len(abstain)} it should not)",
        f"    answered                  {_share(len(answered), len(questions))}",
        f"    precision of answers      {_share(len(right_answers), len(answered))}",
        f"    wrong-answer rate         {_share(len(wrong_answers), len(questions))}"
        "   target <= 0.02",
        f"      of which answered when it should abstain"
        f" {sum(1 for o in wrong_answers if not o.row.faq_id)},"
        f" another entry {sum(1 for o in wrong_answers if o.row.faq_id)}",
        f"    right entry (KB answers)  "
        f"{_share(sum(o.faq_id == o.row.faq_id for o in answerable), len(answerable))}"
        "   target >= 0.90",
        f"    abstained when it should  {_share(sum(not o.faq_id for o in abstain), len(abstain))}",
        f"    faq_id right, incl. abstain "
        f"{_share(sum(o.faq_id == o.row.faq_id for o in questions), len(questions))}",
    ]
    missed_kind = sum(o.kind != "question" for o in questions)
    lines.append(f"    (questions not read as questions: {missed_kind}; they get no answer)")
    by_program: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in answered:
        by_program[outcome.row.program or "-"].append(outcome)
    if by_program:
        lines.append(
            "    precision of answers by program: "
            + ", ".join(
                f"{program} {_share(sum(o.faq_id == o.row.faq_id for o in group), len(group))}"
                for program, group in sorted(by_program.items())
            )
        )

    pointers = [o for o in outcomes if o.row.kind == "out_of_scope" and o.row.faq_id]
    if pointers:
        lines.append(
            f"  serving-ASN messages with a pointer entry: {len(pointers)};"
            f" read as out_of_scope {sum(o.kind == 'out_of_scope' for o in pointers)},"
            f" given the pointer entry {sum(o.faq_id == o.row.faq_id for o in pointers)},"
            f" answered as a question {sum(o.kind == 'question' for o in pointers)}"
        )

    complaints = [o for o in outcomes if o.row.kind == "complaint"]
    lines.append(
        "  complaint category   "
        f"{_share(sum(o.category == o.row.category for o in complaints), len(complaints))}"
        "   target >= 0.90 (all complaints; a complaint read as another kind has none)"
    )
    read_as_complaint = [o for o in complaints if o.kind == "complaint"]
    right_category = sum(o.category == o.row.category for o in read_as_complaint)
    lines.append(
        f"    among those read as complaints {_share(right_category, len(read_as_complaint))}"
    )

    lines += reliability(
        [(o.kind_confidence, o.kind == o.row.kind) for o in outcomes], "kind (NLU confidence)"
    )
    faq_pairs = [
        (o.faq_confidence, o.faq_id == o.row.faq_id)
        for o in answered
        if o.faq_confidence is not None
    ]
    if faq_pairs:
        lines += reliability(faq_pairs, "FAQ answers (retrieval score of the answer given)")
    else:
        lines.append("  reliability: FAQ answers: no retrieval score available")

    lines += threshold_sweep(outcomes)
    lines += kind_sweep(outcomes)
    lines += misses(outcomes)
    return lines


THRESHOLDS = (0.30, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80)


def threshold_sweep(outcomes: Sequence[Outcome]) -> list[str]:
    """What answering with the retriever's best entry at each score threshold would
    give, over all labelled questions (those not read as questions get no answer)."""
    questions = [o for o in outcomes if o.row.kind == "question"]
    scored = [o for o in questions if o.kind == "question" and o.top_score is not None]
    if not scored:
        return ["  threshold sweep: no retrieval scores available"]
    lines = [
        "  threshold sweep (retriever's best entry alone, without program or season rules;"
        " rates over all questions):",
        "    threshold  answered  precision  wrong-answer  right entry (KB answers)",
    ]
    answerable = sum(1 for o in questions if o.row.faq_id)
    for threshold in THRESHOLDS:
        answered = [o for o in scored if o.top_score >= threshold]
        right = sum(o.top_faq == o.row.faq_id for o in answered)
        wrong = len(answered) - right
        lines.append(
            f"    {threshold:9.2f}  {len(answered) / len(questions):8.3f}"
            f"  {right / len(answered) if answered else 0:9.3f}"
            f"  {wrong / len(questions):12.3f}"
            f"  {right / answerable if answerable else 0:10.3f}"
        )
    return lines


def kind_sweep(outcomes: Sequence[Outcome]) -> list[str]:
    """If the bot said "not sure" below each kind confidence: how many messages it
    would be unsure about, and how many it would still get wrong."""
    lines = [
        "  kind confidence sweep (below the threshold the bot would ask instead of acting):",
        "    threshold  unsure  wrong kind acted on",
    ]
    for threshold in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9):
        unsure = sum(o.kind_confidence < threshold for o in outcomes)
        wrong = sum(o.kind_confidence >= threshold and o.kind != o.row.kind for o in outcomes)
        lines.append(
            f"    {threshold:9.2f}  {unsure / len(outcomes):6.3f}  {wrong / len(outcomes):8.3f}"
        )
    return lines


def _top(knowledge_base, text: str) -> tuple[str, float | None]:
    try:
        ranked = knowledge_base.current().rank(text, limit=1)
    except (AttributeError, TypeError):
        return "", None
    return (ranked[0].entry.id, float(ranked[0].score)) if ranked else ("", 0.0)


def misses(outcomes: Sequence[Outcome], limit: int = 25) -> list[str]:
    """What went wrong, by label and line number, without the messages' text: the
    set must not leak into training data through the bench output."""
    pairs: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for o in outcomes:
        if o.kind != o.row.kind:
            pairs[("kind", o.row.kind, o.kind)].append(o.row.line)
        elif o.row.kind == "question" and o.faq_id != o.row.faq_id:
            pairs[("faq", o.row.faq_id or "-", o.faq_id or "-")].append(o.row.line)
        elif o.row.kind == "complaint" and o.category != o.row.category:
            pairs[("category", o.row.category, o.category or "-")].append(o.row.line)
    ranked = sorted(pairs.items(), key=lambda item: (-len(item[1]), item[0]))
    lines = [
        f"  misses by label ({sum(len(v) for v in pairs.values())} in all, most frequent first;"
        " lines of bench/data/labelled.tsv, evaluation only: never copy its messages into"
        " training data or KB phrasings):"
    ]
    for (what, gold, got), where in ranked[:limit]:
        at = ",".join(str(line) for line in where[:8]) + (",..." if len(where) > 8 else "")
        lines.append(f"    {what:8s} {gold} -> {got}  x{len(where)}  (l.{at})")
    if len(ranked) > limit:
        lines.append(f"    ... and {len(ranked) - limit} other label pairs")
    return lines


def _faq_score(knowledge_base, text: str, faq_id: str) -> float | None:
    """The retrieval score of the entry given as the answer, if the KB exposes one."""
    try:
        ranked = knowledge_base.current().rank(text, limit=10)
    except (AttributeError, TypeError):
        return None
    for match in ranked:
        if match.entry.id == faq_id:
            return float(match.score)
    return float(ranked[0].score) if ranked else None


def evaluate(
    classify: Callable[[str], object], knowledge_base, rows: Sequence[Labelled]
) -> tuple[list[Outcome], float]:
    outcomes = []
    started = time.perf_counter()
    results = [classify(row.text) for row in rows]
    per_message_ms = (time.perf_counter() - started) / max(len(rows), 1) * 1000
    for row, result in zip(rows, results, strict=True):
        if result is None:
            outcomes.append(Outcome(row, "out_of_scope", 0.0, "", None, ""))
            continue
        faq_id = result.faq_id or ""
        faq_confidence = getattr(result, "faq_confidence", None)
        if faq_id and faq_confidence is None:
            faq_confidence = _faq_score(knowledge_base, result.text, faq_id)
        top_faq, top_score = (
            _top(knowledge_base, result.text) if result.kind == "question" else ("", None)
        )
        outcomes.append(
            Outcome(
                row,
                result.kind,
                float(result.confidence),
                faq_id,
                faq_confidence,
                result.category or "",
                top_faq,
                top_score,
                result.text,
            )
        )
    return outcomes, per_message_ms


SEASON_ANSWER = "(season)"
NOT_ANNOUNCED = ("", "casn_2025_2026")


def chat_answers(
    outcomes: Sequence[Outcome], answer: Callable[[str], tuple[str, tuple[str, ...]]]
) -> list[str]:
    """The question figures again, answered the way the chat answers a first message.

    ``answer`` gives an entry id, SEASON_ANSWER for a season reply ("not announced
    yet" or a season's dates from the season file) or "" for no answer, and the
    entries offered to choose from when there is no answer. A season reply is
    right where the label says nothing is announced (empty or ``casn_2025_2026``)."""
    questions = [o for o in outcomes if o.row.kind == "question"]
    replies = {
        id(o): answer(o.seen_text or o.row.text) if o.kind == "question" else ("", ())
        for o in questions
    }
    given = {key: reply[0] for key, reply in replies.items()}
    offered = {key: reply[1] for key, reply in replies.items()}

    def right(o: Outcome) -> bool:
        got = given[id(o)]
        return got == o.row.faq_id or (got == SEASON_ANSWER and o.row.faq_id in NOT_ANNOUNCED)

    answered = [o for o in questions if given[id(o)]]
    correct = [o for o in answered if right(o)]
    answerable = [o for o in questions if o.row.faq_id]
    abstain = [o for o in questions if not o.row.faq_id]
    seasons = sum(given[id(o)] == SEASON_ANSWER for o in questions)
    unanswered = [o for o in questions if not given[id(o)] and offered[id(o)]]
    right_offered = sum(o.row.faq_id in offered[id(o)] for o in unanswered if o.row.faq_id)
    return [
        "  questions as the chat answers them (bot/lookup.py: program, season, no context):",
        f"    answered                  {_share(len(answered), len(questions))}"
        f"   ({seasons} with a season reply)",
        f"    precision of answers      {_share(len(correct), len(answered))}",
        f"    wrong-answer rate         {_share(len(answered) - len(correct), len(questions))}"
        "   target <= 0.02",
        "    right entry (KB answers)  "
        f"{_share(sum(right(o) for o in answerable), len(answerable))}   target >= 0.90",
        f"    abstained when it should  "
        f"{_share(sum(not given[id(o)] or right(o) for o in abstain), len(abstain))}",
        f"    without an answer, entries offered to choose: {len(unanswered)} questions; "
        f"the right one among them {right_offered}, "
        f"offered where the KB has no answer {sum(not o.row.faq_id for o in unanswered)}",
    ]


def _chat_answerer(services) -> Callable[[str], str]:
    from bot.dates import today
    from bot.lookup import look_up

    def answer(text: str) -> tuple[str, tuple[str, ...]]:
        lookup = look_up(
            text, services.knowledge_base.current(), services.seasons.current(), today()
        )
        if lookup.match is not None:
            return lookup.match.entry.id, ()
        if lookup.season is not None:
            return SEASON_ANSWER, ()
        return "", tuple(m.entry.id for m in lookup.suggestions)

    return answer


def labelled(model: Path, path: Path = LABELLED_SET) -> list[str]:
    """The `labelled` section of bench/run.py."""
    if not path.exists():
        return [f"labelled set not found at {path}: skipped"]
    from bot.classify import MessageClassifier
    from bot.rasa_nlu import RasaIntentParser
    from bot.services import Services

    rows = load(path, shared_faq_ids(), complaint_categories())
    services = Services()
    classifier = MessageClassifier(
        RasaIntentParser(model), services.knowledge_base, services.topics, services.seasons
    )
    outcomes, per_message_ms = evaluate(classifier.classify, services.knowledge_base, rows)
    lines = report(outcomes, per_message_ms, path.name)
    try:
        chat = chat_answers(outcomes, _chat_answerer(services))
    except Exception as error:  # the chat's lookup is optional here; report, don't fail
        chat = [f"  questions as the chat answers them: skipped ({type(error).__name__}: {error})"]
    from bench.lexicon import lexicon_effect

    first_miss = next(i for i, line in enumerate(lines) if line.startswith("  misses by label"))
    lexicon = ["  " + line for line in lexicon_effect(rows, services)]
    return lines[:first_miss] + chat + lexicon + lines[first_miss:]
