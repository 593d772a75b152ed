"""`make bench`: accuracy on the dev set, NLU cross-validation, latency and throughput.

Prints figures; asserts nothing. Uses the model in models/ (make bench trains it).
"""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from bot.classify import MessageClassifier  # noqa: E402
from bot.rasa_nlu import RasaIntentParser, latest_model  # noqa: E402
from bot.services import Services  # noqa: E402
from tests.integration.servers import VENV_BIN, start_bot  # noqa: E402

DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev-messages.tsv"
REQUESTS_PER_RUN = 300


def accuracy(model: Path) -> list[str]:
    if not DEV_SET.exists():
        return [f"dev set not found at {DEV_SET}: accuracy skipped"]
    rows = list(csv.DictReader(DEV_SET.open(encoding="utf-8"), delimiter="\t"))
    services = Services()
    classifier = MessageClassifier(
        RasaIntentParser(model), services.knowledge_base, services.topics
    )
    started = time.perf_counter()
    results = [(row, classifier.classify(row["text"])) for row in rows]
    per_message_ms = (time.perf_counter() - started) / len(rows) * 1000
    kind = sum(r.kind == row["kind"] for row, r in results)
    questions = [(row, r) for row, r in results if row["kind"] == "question"]
    faq = sum((r.faq_id or "") == row["faq_id"] for row, r in questions)
    complaints = [(row, r) for row, r in results if row["kind"] == "complaint"]
    category = sum((r.category or "") == row["category"] for row, r in complaints)
    lines = [
        f"dev set: {len(rows)} messages ({DEV_SET.name}), classify {per_message_ms:.1f} ms/message",
        f"  kind accuracy      {kind / len(rows):.3f}  ({kind}/{len(rows)})   target >= 0.95",
        f"  faq_id accuracy    {faq / len(questions):.3f}  ({faq}/{len(questions)} questions)"
        "   target >= 0.90",
        f"  category accuracy  {category / len(complaints):.3f}  ({category}/{len(complaints)}"
        " complaints)   target >= 0.85",
    ]
    for row, r in results:
        wrong = [
            key
            for key, gold in (
                ("kind", row["kind"]),
                ("faq_id", row["faq_id"]),
                ("category", row["category"]),
            )
            if (getattr(r, key) or "") != gold and (key == "kind" or row["kind"] == r.kind)
        ]
        if wrong:
            lines.append(f"  miss {wrong}: {row['text']!r} -> {r.kind}/{r.faq_id}/{r.category}")
    return lines


def cross_validation() -> list[str]:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                str(VENV_BIN / "rasa"),
                "test",
                "nlu",
                "--nlu",
                "nlu_data",
                "--config",
                "config.yml",
                "--cross-validation",
                "--folds",
                "5",
                "--out",
                out,
            ],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        report = json.loads((Path(out) / "intent_report.json").read_text())
    return [
        "NLU 5-fold cross-validation on the training data (intent):",
        f"  accuracy {report['accuracy']:.3f}, macro F1 {report['macro avg']['f1-score']:.3f}, "
        f"weighted F1 {report['weighted avg']['f1-score']:.3f}",
    ] + [
        f"    {name:20s} F1 {values['f1-score']:.3f} (n={values['support']})"
        for name, values in sorted(report.items())
        if isinstance(values, dict) and "support" in values and "avg" not in name
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(send, messages: list[str], concurrency: int) -> tuple[list[float], float]:
    def one(text: str) -> float:
        started = time.perf_counter()
        send(text)
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, messages))
    return latencies, len(messages) / (time.perf_counter() - started)


def speed(model: Path) -> list[str]:
    rows = (
        list(csv.DictReader(DEV_SET.open(encoding="utf-8"), delimiter="\t"))
        if DEV_SET.exists()
        else [{"text": "min lupa pw sscasn gmn"}]
    )
    messages = [rows[i % len(rows)]["text"] for i in range(REQUESTS_PER_RUN)]
    session = requests.Session()
    with tempfile.TemporaryDirectory() as work:
        bot = start_bot(model, Path(work))
        try:

            def turn(text: str) -> None:
                response = session.post(
                    f"{bot.rasa_url}/webhooks/rest/webhook",
                    json={"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": text},
                    timeout=30,
                )
                response.raise_for_status()

            def parse(text: str) -> None:
                response = session.post(
                    f"{bot.rasa_url}/model/parse",
                    params={"token": bot.token},
                    json={"text": text},
                    timeout=30,
                )
                response.raise_for_status()

            timed(turn, messages[:20], 1)  # warm up
            lines = ["Latency and throughput over HTTP (one Rasa server + one action server):"]
            for name, send in (("/model/parse (NLU only)", parse), ("full turn, REST", turn)):
                for concurrency in (1, 10):
                    latencies, rate = timed(send, messages, concurrency)
                    lines.append(
                        f"  {name:24s} c={concurrency:2d}:"
                        f" p50 {statistics.median(latencies):6.1f} ms,"
                        f" p95 {percentile(latencies, 0.95):6.1f} ms, {rate:6.1f} msg/s"
                    )
            return lines
        finally:
            bot.stop()


def main() -> None:
    model = latest_model(PROJECT_ROOT / "models")
    print(f"model: {model.relative_to(PROJECT_ROOT)}")
    for section in (accuracy(model), cross_validation(), speed(model)):
        print("\n".join(section), "\n", flush=True)


if __name__ == "__main__":
    main()
