"""`make bench`: accuracy on the dev set and the labelled set, NLU cross-validation, latency
and throughput against a stock Rasa peer,
and the time of a report over 100,000 cases on SQLite and PostgreSQL.

Prints figures; asserts nothing. Uses the model in models/ (make bench trains it).
`bench/run.py --only report` (or accuracy, labelled, crossval, speed, peer, long, queue) runs
one section; "queue" times the agents' queue over 100,000 cases (bench/queue/run.py).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy.exc import OperationalError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from bench import report_load  # noqa: E402
from bench.eval_set import labelled  # noqa: E402
from bench.peer import PEER_MESSAGES, Peer, rest_turn  # noqa: E402
from bench.peer import build as build_peer  # noqa: E402
from bench.queue.run import queue_speed  # noqa: E402
from bot.classify import MessageClassifier  # noqa: E402
from bot.kb.nlu_export import export_directory  # noqa: E402
from bot.ledger.crypto import FieldCipher  # noqa: E402
from bot.ledger.db import make_engine, make_sessionmaker  # noqa: E402
from bot.ledger.migrate import upgrade  # noqa: E402
from bot.ledger.service import Ledger  # noqa: E402
from bot.rasa_nlu import RasaIntentParser, latest_model  # noqa: E402
from bot.reports.demo import SEASONS  # noqa: E402
from bot.reports.figures import Period, build_report  # noqa: E402
from bot.reports.render import as_csv, as_html, as_text  # noqa: E402
from bot.services import Services  # noqa: E402
from devtools.postgres import POSTGRES_URL, scratch_schema  # noqa: E402
from devtools.servers import VENV_BIN, start_bot  # noqa: E402

DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev-messages.tsv"
REQUESTS_PER_RUN = 300
ONGOING_CONVERSATIONS = 60
REPORT_CASES = 100_000
REPORT_TEMPLATE_DAYS, REPORT_TEMPLATE_SCALE = 30, 0.2
REPORT_MESSAGE_COPIES = 40


def accuracy(model: Path) -> list[str]:
    if not DEV_SET.exists():
        return [f"dev set not found at {DEV_SET}: accuracy skipped"]
    rows = list(csv.DictReader(DEV_SET.open(encoding="utf-8"), delimiter="\t"))
    services = Services()
    classifier = MessageClassifier(
        RasaIntentParser(model), services.knowledge_base, services.topics, services.seasons
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
    """5-fold cross-validation of the NLU on what `make train` trains on."""
    with tempfile.TemporaryDirectory() as out:
        data = Path(out) / "data"
        data.mkdir()
        for path in (PROJECT_ROOT / "nlu_data").glob("*.yml"):
            (data / path.name).symlink_to(path)
        kb_dir, nlu_dir = PROJECT_ROOT / "knowledge_base", PROJECT_ROOT / "nlu_data"
        export_directory(kb_dir, nlu_dir, data / "kb.yml")
        subprocess.run(
            [
                str(VENV_BIN / "rasa"),
                "test",
                "nlu",
                "--nlu",
                str(data),
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


# (measurement, concurrency) -> (p95 ms, msg/s) of this run, for the peer's ratios.
MEASURED: dict[tuple[str, int], tuple[float, float]] = {}
NEW_CONVERSATION = "full turn, new conv."


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
            turn = rest_turn(session, bot.rasa_url)

            def new_conversation(text: str) -> None:
                turn(f"bench-{uuid.uuid4().hex[:12]}", text)

            run = uuid.uuid4().hex[:6]
            ongoing_turn = itertools.count()

            def ongoing(text: str) -> None:
                # Round-robin over ONGOING_CONVERSATIONS senders: every conversation gets
                # REQUESTS_PER_RUN / ONGOING_CONVERSATIONS turns, rarely two at once.
                turn(f"bench-{run}-{next(ongoing_turn) % ONGOING_CONVERSATIONS}", text)

            def parse(text: str) -> None:
                response = session.post(
                    f"{bot.rasa_url}/model/parse",
                    headers=bot.api_headers(),
                    json={"text": text},
                    timeout=30,
                )
                response.raise_for_status()

            timed(new_conversation, messages[:20], 1)  # warm up
            lines = [
                "Latency and throughput over HTTP (one Rasa server + one action server);",
                "  a full turn is a REST message in a new conversation, or in one of"
                f" {ONGOING_CONVERSATIONS} ongoing ones"
                f" ({REQUESTS_PER_RUN // ONGOING_CONVERSATIONS} turns each per run):",
            ]
            for name, send in (
                ("/model/parse (NLU only)", parse),
                (NEW_CONVERSATION, new_conversation),
                ("full turn, ongoing conv.", ongoing),
            ):
                for concurrency in (1, 10):
                    latencies, rate = timed(send, messages, concurrency)
                    MEASURED[(name, concurrency)] = (percentile(latencies, 0.95), rate)
                    lines.append(
                        f"  {name:24s} c={concurrency:2d}:"
                        f" p50 {statistics.median(latencies):6.1f} ms,"
                        f" p95 {percentile(latencies, 0.95):6.1f} ms, {rate:6.1f} msg/s"
                    )
            return lines
        finally:
            bot.stop()


def stock_peer(model: Path) -> list[str]:
    """Our full turn against a stock Rasa 3.6 bot's, same code, machine and run."""
    lines = [] if (NEW_CONVERSATION, 1) in MEASURED else speed(model)
    messages = [PEER_MESSAGES[i % len(PEER_MESSAGES)] for i in range(REQUESTS_PER_RUN)]
    with tempfile.TemporaryDirectory() as work:
        project = Path(work) / "peer"
        peer = Peer(project, build_peer(project))
        try:
            send = rest_turn(requests.Session(), peer.url)

            def new_conversation(text: str) -> None:
                send(f"peer-{uuid.uuid4().hex[:12]}", text)

            timed(new_conversation, messages[:20], 1)  # warm up
            figures = {}
            lines.append(
                "Stock Rasa 3.6 peer (rasa init's default pipeline and policies, one rule per"
                " intent -> one SDK action), measured the same way:"
            )
            for concurrency in (1, 10):
                latencies, rate = timed(new_conversation, messages, concurrency)
                figures[concurrency] = (percentile(latencies, 0.95), rate)
                lines.append(
                    f"  peer {NEW_CONVERSATION:19s} c={concurrency:2d}:"
                    f" p50 {statistics.median(latencies):6.1f} ms,"
                    f" p95 {figures[concurrency][0]:6.1f} ms, {rate:6.1f} msg/s"
                )
        finally:
            peer.stop()
    ours_p95 = MEASURED[(NEW_CONVERSATION, 1)][0]
    ours_rate = MEASURED[(NEW_CONVERSATION, 10)][1]
    lines.append(
        f"vs stock Rasa: p95_c1_ratio={ours_p95 / figures[1][0]:.2f}"
        f" msg_s_c10_ratio={ours_rate / figures[10][1]:.2f}"
        "   (targets <= 0.5 and >= 2.5; ours divided by the peer's)"
    )
    return lines


def long_messages(model: Path) -> list[str]:
    """How much a 1 MB message (each in a new conversation) delays a short turn started
    at the same moment in another conversation."""
    from bot.inbound import prepare_inbound

    lines = ["Long messages (privacy gate and interference):"]
    for size in (1_000_000, 100_000_000):
        text = ("abc" * (size // 3 + 1))[:size]
        started = time.perf_counter()
        prepare_inbound(text)
        lines.append(
            f"  gate on {size / 1e6:5.0f} MB: {(time.perf_counter() - started) * 1000:7.2f} ms"
        )
    big = "tolong min " + "saya sudah daftar tapi belum ada email " * 26_000  # ~1 MB
    session = requests.Session()
    with tempfile.TemporaryDirectory() as work:
        bot = start_bot(model, Path(work))
        try:

            def turn(sender: str, text: str) -> None:
                session.post(
                    f"{bot.rasa_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    timeout=60,
                ).raise_for_status()

            short = [f"halo min {i}" for i in range(100)]
            timed(lambda t: turn(f"bench-{uuid.uuid4().hex[:8]}", t), short[:10], 1)
            alone, _ = timed(lambda t: turn(f"bench-{uuid.uuid4().hex[:8]}", t), short, 1)
            # Encoded once, so that the client's JSON encoding does not hold this
            # process's GIL while the short turns are timed.
            bodies = [
                json.dumps({"sender": f"bench-long-{i}", "message": big}).encode()
                for i in range(100)
            ]

            def long_one(body: bytes) -> None:
                session_long.post(
                    f"{bot.rasa_url}/webhooks/rest/webhook",
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=60,
                ).raise_for_status()

            session_long = requests.Session()
            during = []
            with ThreadPoolExecutor(1) as pool:
                for text, body in zip(short, bodies, strict=True):
                    pending = pool.submit(long_one, body)  # starts with the short turn
                    during += timed(lambda t: turn(f"bench-{uuid.uuid4().hex[:8]}", t), [text], 1)[
                        0
                    ]
                    pending.result()
            for label, values in (("alone", alone), ("beside a 1 MB message", during)):
                lines.append(
                    f"  short turn {label:22s} p50 {statistics.median(values):6.1f} ms,"
                    f" p95 {percentile(values, 0.95):6.1f} ms"
                )
            delay = statistics.median(during) - statistics.median(alone)
            lines.append(f"  added delay (p50): {delay:6.1f} ms (target: under 100 ms)")
            return lines
        finally:
            bot.stop()


def _time_report(url: str, template, label: str) -> list[str]:
    upgrade(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        sizes = report_load.fill(engine, template, REPORT_CASES, REPORT_MESSAGE_COPIES)
        filled = time.perf_counter() - started
        sessions = make_sessionmaker(engine)
        first_day = SEASONS[2019]
        period = Period(first_day, first_day + dt.timedelta(days=REPORT_TEMPLATE_DAYS - 1))
        ledger = Ledger(sessions, FieldCipher(Fernet.generate_key()))
        started = time.perf_counter()
        report = build_report(ledger, sessions, period)
        figures = time.perf_counter() - started
        started = time.perf_counter()
        as_text(report), as_csv(report)
        text_csv = time.perf_counter() - started
        started = time.perf_counter()
        as_html(report)
        html = time.perf_counter() - started
    finally:
        engine.dispose()
    rows = ", ".join(f"{count:,} {table}" for table, count in sizes.items())
    return [
        f"  {label:10s} {rows} (written in {filled:.0f} s)",
        f"  {'':10s} figures {figures:.1f} s, text+csv {text_csv:.2f} s, html with charts"
        f" {html:.1f} s; report found {report['cases']['cases']:,} cases",
    ]


def report_speed() -> list[str]:
    lines = [
        f"Report over {REPORT_CASES:,} cases (a {REPORT_TEMPLATE_DAYS}-day demo season at scale"
        f" {REPORT_TEMPLATE_SCALE} written by the ledger, then copied; see bench/report_load.py):"
    ]
    with tempfile.TemporaryDirectory(prefix="sscn-report-load-") as work:
        template = report_load.write_template(
            Path(work), REPORT_TEMPLATE_DAYS, REPORT_TEMPLATE_SCALE
        )
        lines += _time_report(f"sqlite:///{work}/report.db", template, "SQLite")
        with ExitStack() as stack:
            try:
                url = stack.enter_context(scratch_schema("sscn_bench"))
            except OperationalError as error:
                lines.append(
                    f"  PostgreSQL not reachable at {POSTGRES_URL}: skipped ({error.orig})"
                )
            else:
                lines += _time_report(url, template, "PostgreSQL")
        template.dispose()
    return lines


SECTIONS = ("accuracy", "labelled", "crossval", "speed", "peer", "long", "report", "queue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these")
    chosen = parser.parse_args().only or SECTIONS
    if {"accuracy", "labelled", "speed", "peer", "long"} & set(chosen):
        model = latest_model(PROJECT_ROOT / "models")
        print(f"model: {model.relative_to(PROJECT_ROOT)}")
    runs = {
        "accuracy": lambda: accuracy(model),
        "labelled": lambda: labelled(model),
        "crossval": cross_validation,
        "speed": lambda: speed(model),
        "peer": lambda: stock_peer(model),
        "long": lambda: long_messages(model),
        "report": report_speed,
        "queue": queue_speed,
    }
    for name in chosen:
        print("\n".join(runs[name]()), "\n", flush=True)


if __name__ == "__main__":
    main()
