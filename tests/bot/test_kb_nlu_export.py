"""The knowledge base's phrasings as NLU training data (bot/kb/nlu_export.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.kb.loader import load_directory
from bot.kb.nlu_export import export_directory, training_examples
from bot.nlu_data import Example, read_examples
from tests.support.kb import AGE, PASSWORD, default_kb, write_kb

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PENSION = {
    **AGE,
    "id": "pensiun_pns",
    "title": "Pensiun PNS",
    "questions": ["kapan saya pensiun sebagai pns?", "cara urus pensiun pns", "usia pensiun pns"],
    "tags": ["asn_aktif", "pensiun"],
    "programs": ["all"],
}
TICKET_STATUS = {
    **PASSWORD,
    "id": "status_pengaduan",
    "title": "Status pengaduan",
    "questions": ["aduan saya sudah diproses belum?", "cara cek status aduan", "tiket saya?"],
    "tags": ["layanan", "status"],
}


def entries(tmp_path: Path, *raw: dict):
    loaded = load_directory(write_kb(tmp_path / "kb", ("kb.yml", list(raw))))
    assert not loaded.problems
    return loaded.entries


def test_phrasings_become_questions_and_serving_asn_ones_out_of_scope(tmp_path):
    by_intent = training_examples(entries(tmp_path, PASSWORD, PENSION, TICKET_STATUS))
    assert by_intent["out_of_scope"] == PENSION["questions"]
    # How to check a complaint is a question; asking about one's own ticket is not.
    assert by_intent["question"] == [*PASSWORD["questions"], "cara cek status aduan"]


def test_examples_already_in_nlu_data_or_repeated_are_left_out(tmp_path):
    twice = {**AGE, "questions": [*AGE["questions"], "  Berapa  batas usia melamar CPNS? "]}
    existing = [Example("umur maksimal daftar CPNS brp", "question", {})]
    questions = training_examples(entries(tmp_path, twice), existing)["question"]
    assert questions == [AGE["questions"][0], *AGE["questions"][2:]]


def test_the_written_file_is_rasa_nlu_yaml_that_reads_back(tmp_path):
    out = tmp_path / "build" / "kb-questions.yml"
    export_directory(default_kb(tmp_path / "kb"), tmp_path / "no-nlu", out)
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["version"] == "3.1"
    read_back = read_examples(out.parent)
    assert {example.intent for example in read_back} == {"question"}
    assert PASSWORD["questions"][1] in [example.text for example in read_back]


def test_a_broken_knowledge_base_writes_nothing(tmp_path):
    kb = write_kb(tmp_path / "kb", ("kb.yml", [{"id": "x", "title": "no answer"}]))
    out = tmp_path / "out.yml"
    with pytest.raises(ValueError):
        export_directory(kb, tmp_path, out)
    assert not out.exists()
    assert main(["kb", "export-nlu", str(out), "--dir", str(kb), "--nlu", str(tmp_path)]) == 1


def test_the_command_exports_the_project_knowledge_base(tmp_path, capsys):
    out = tmp_path / "kb-questions.yml"
    assert main(["kb", "export-nlu", str(out)]) == 0
    assert "question" in capsys.readouterr().out
    exported = read_examples(tmp_path)
    hand_written = {example.text.lower() for example in read_examples(PROJECT_ROOT / "nlu_data")}
    assert len(exported) > 500
    assert not {example.text.lower() for example in exported} & hand_written
