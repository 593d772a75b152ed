"""The labelled evaluation set loads, is well formed, stays apart from the dev set,
and its report computes the figures the bench prints (no model needed)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from bench.eval_set import (
    KINDS,
    LABELLED_SET,
    Labelled,
    Outcome,
    complaint_categories,
    load,
    reliability,
    report,
    shared_faq_ids,
)

DEV_SET = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "dev-messages.tsv"
HEADER = "text\tkind\tfaq_id\tprogram\tcategory\n"


def test_the_set_is_large_well_formed_and_uses_known_ids():
    rows = load(LABELLED_SET, shared_faq_ids(), complaint_categories())
    assert len(rows) >= 300
    assert {row.kind for row in rows} == set(KINDS)
    assert len({row.text for row in rows}) == len(rows)
    questions = [row for row in rows if row.kind == "question"]
    assert any(not row.faq_id for row in questions), "some questions must be abstentions"
    assert any("\n" in row.text for row in rows), "long letters keep their paragraphs"


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared dev set not present")
def test_no_message_of_the_dev_set_is_in_the_labelled_set():
    with DEV_SET.open(encoding="utf-8") as handle:
        dev = {row["text"].strip().lower() for row in csv.DictReader(handle, delimiter="\t")}
    assert not dev & {row.text.lower() for row in load()}


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "set.tsv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_paragraph_breaks_are_decoded(tmp_path):
    (row,) = load(_write(tmp_path, "Yth. Admin\\n\\nsaya mau tanya\tquestion\tsanggah\t\t"))
    assert row.text == "Yth. Admin\n\nsaya mau tanya"
    assert row.line == 2


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("halo\tsapaan\t\t\t", "unknown kind"),
        ("halo\tgreeting\tsanggah\t\t", "neither question nor out_of_scope"),
        ("upload gagal\tcomplaint\t\t\t", "complaint without a category"),
        ("upload gagal\tcomplaint\t\tpns\tunggah_dokumen", "unknown program"),
        ("tanya\tquestion\tno_such_topic\t\t", "unknown faq_id"),
        ("upload gagal\tcomplaint\t\t\tno_such_category", "unknown category"),
        ("too few\tquestion", "columns"),
    ],
)
def test_a_bad_row_is_refused_with_its_line(tmp_path, line, problem):
    path = _write(tmp_path, "min lupa pw\tquestion\tlupa_password\t\t", line)
    with pytest.raises(ValueError, match=rf"set.tsv:3: .*{problem}"):
        load(path, {"lupa_password", "sanggah"}, {"unggah_dokumen"})


def _outcome(kind, faq_id="", program="", category="", got_kind=None, got_faq="", conf=0.95):
    row = Labelled("x", kind, faq_id, program, category, 2)
    return Outcome(row, got_kind or kind, conf, got_faq, 0.7 if got_faq else None, category)


def test_report_counts_answers_abstentions_and_wrong_answers():
    outcomes = [
        _outcome("question", "batas_usia", got_faq="batas_usia"),  # right answer
        _outcome("question", "pppk_syarat_usia", "pppk", got_faq="batas_usia"),  # wrong entry
        _outcome("question", "", got_faq="jadwal_cpns_2019"),  # should have abstained
        _outcome("question", ""),  # abstained, rightly
        _outcome("question", "sanggah"),  # missed
        _outcome("complaint", category="unggah_dokumen"),
        _outcome("greeting", got_kind="question", conf=0.55),
    ]
    text = "\n".join(report(outcomes, 1.0, "test"))
    assert "kind accuracy        0.857 (6/7)" in text
    assert "answered                  0.600 (3/5)" in text
    assert "precision of answers      0.333 (1/3)" in text
    assert "wrong-answer rate         0.400 (2/5)" in text
    assert "answered when it should abstain 1, another entry 1" in text
    assert "right entry (KB answers)  0.333 (1/3)" in text
    assert "abstained when it should  0.500 (1/2)" in text
    assert "complaint category   1.000 (1/1)" in text


def test_reliability_bins_confidence_against_accuracy():
    lines = reliability([(0.95, True), (0.92, False), (0.55, True), (1.0, True)], "kind")
    assert any(line.strip().startswith("[0.9, 1.0]     3     0.667") for line in lines)
    assert any(line.strip().startswith("[0.5, 0.6)     1     1.000") for line in lines)
    assert lines[-1].strip().startswith("expected calibration error")


def test_evaluate_runs_the_whole_set_through_a_classifier():
    from types import SimpleNamespace

    from bench.eval_set import evaluate

    def classify(text):
        if not text.strip("?! "):
            return None
        return SimpleNamespace(
            text=text, kind="question", faq_id="lupa_password", category=None, confidence=0.9
        )

    rows = load()
    outcomes, per_message_ms = evaluate(classify, knowledge_base=None, rows=rows)
    assert len(outcomes) == len(rows) and per_message_ms >= 0
    assert all(o.top_score is None for o in outcomes)  # no knowledge base, no scores
    text = "\n".join(report(outcomes, per_message_ms, "labelled.tsv"))
    assert f"labelled set: {len(rows)} messages" in text
    assert "reliability: FAQ answers: no retrieval score available" in text


def _tokens(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _training_phrasings(root: Path) -> list[str]:
    import yaml

    phrasings = []
    for path in (root / "nlu_data").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                phrasings.append(line.strip().removeprefix("- "))
    for path in (root / "knowledge_base").glob("*.yml"):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries", []):
            phrasings.extend(entry.get("questions", []))
    return [phrasing for phrasing in phrasings if phrasing.strip()]


NEAR = 0.8  # share of words in common (Jaccard) from which two messages count as one


def test_no_labelled_message_is_training_data_or_a_kb_phrasing():
    """The set measures new messages: none of them may be an NLU example or a KB
    phrasing, nor one with the same words give or take a filler ("min", "ya", a
    hyphen). Messages of fewer than four words ("ok", "selamat pagi") are exempt:
    they are bound to be in any training data. When this fails, reword the
    training phrasing, not the labelled message."""
    root = Path(__file__).resolve().parents[2]
    seen = [_tokens(phrasing) for phrasing in _training_phrasings(root)]
    shared = []
    for row in load():
        words = _tokens(row.text)
        if len(words) < 4:
            continue
        overlap = max((len(words & other) / len(words | other) for other in seen), default=0)
        if overlap >= NEAR:
            shared.append(f"l.{row.line} {row.text[:70]!r} ({overlap:.2f})")
    assert not shared, "labelled messages (near) copied into training data:\n" + "\n".join(shared)
