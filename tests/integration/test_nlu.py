"""Training data validity, Rasa test stories, `sscn classify` and the dev-set floor."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest

from bot.classify import MessageClassifier
from bot.rasa_nlu import RasaIntentParser
from bot.services import Services
from tests.integration.servers import PROJECT_ROOT, VENV_BIN

pytestmark = pytest.mark.integration
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev-messages.tsv"
KIND_FLOOR = 0.90


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, **kwargs
    )


def test_rasa_data_validate():
    result = run(
        str(VENV_BIN / "rasa"),
        "data",
        "validate",
        "--data",
        "nlu_data",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_rasa_test_stories(trained_model, tmp_path):
    result = run(
        str(VENV_BIN / "rasa"),
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/rasa/test_stories.yml",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_classify_cli_prints_one_json_object_per_line(trained_model):
    lines = "min lupa pw sscasn gmn\n\nupload ijazah gagal terus padahal 600kb\nhalo min\n"
    result = run(str(VENV_BIN / "sscn"), "classify", "--model", str(trained_model), input=lines)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(row) for row in rows] == [{"text", "kind", "faq_id", "category", "confidence"}] * 3
    assert (rows[0]["kind"], rows[0]["faq_id"]) == ("question", "lupa_password")
    assert (rows[1]["kind"], rows[1]["category"]) == ("complaint", "unggah_dokumen")
    assert (rows[2]["kind"], rows[2]["faq_id"], rows[2]["category"]) == ("greeting", None, None)


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"dev set not found at {DEV_SET}")
def test_dev_set_kind_accuracy_floor(trained_model):
    with DEV_SET.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    services = Services()
    classifier = MessageClassifier(
        RasaIntentParser(trained_model), services.knowledge_base, services.topics
    )
    right = sum(classifier.classify(row["text"]).kind == row["kind"] for row in rows)
    assert right / len(rows) >= KIND_FLOOR, f"kind accuracy {right}/{len(rows)}"
