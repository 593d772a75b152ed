"""The agents' queue over 100,000 cases on SQLite and PostgreSQL (`make bench`, section
"queue"; alone: `bench/queue/run.py`).

Seeds a season of cases straight into the tables (clock columns computed as the ledger
computes them), then times each kind of queue page (bot/ledger/queue.py) and prints
p50/p95. Target: every query under 300 ms.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from bot.ledger.calendar import WIB, WorkingCalendar  # noqa: E402
from bot.ledger.clocks import forwarded, receipt_clocks  # noqa: E402
from bot.ledger.db import make_engine, make_sessionmaker  # noqa: E402
from bot.ledger.lifecycle import Status  # noqa: E402
from bot.ledger.migrate import upgrade  # noqa: E402
from bot.ledger.models import Agent, Case, Unit  # noqa: E402
from bot.ledger.queue import OPEN, UNASSIGNED, QueueFilter, queue_page  # noqa: E402
from bot.ledger.tickets import format_ticket  # noqa: E402
from bot.topics import load_topics  # noqa: E402
from bot.vocabulary import Channel  # noqa: E402
from devtools.postgres import POSTGRES_URL, scratch_schema  # noqa: E402

CASES = 100_000
AGENTS = 20
REPEATS = 30
BATCH = 5_000
SEASON_START = dt.datetime(2026, 8, 3, 8, 0, tzinfo=WIB)
SEASON_DAYS = 60
NAMES = ("Siti", "Budi", "Ani", "Dewi", "Agus", "Rina", "Joko", "Putri", "Rizky", "Wahyu")
WORDS = ("unggah", "ijazah", "akun", "NIK", "formasi", "verifikasi", "kartu", "ujian", "pas foto")


def seed(url: str) -> dict[str, str]:
    """Write ``CASES`` cases into the migrated database at ``url``; returns sample search
    values (a ticket, a name, a word) that exist."""
    engine = make_engine(url)
    rng = random.Random(15)
    calendar = WorkingCalendar()
    topics = list(load_topics())
    statuses = [s.value for s in Status]
    weights = (30, 20, 25, 15, 5, 5)
    days: dict[dt.date, dict] = {}
    try:
        with engine.begin() as connection:
            units = list(connection.execute(select(Unit.id)).scalars())
            connection.execute(
                insert(Agent),
                [
                    {
                        "id": number,
                        "username": f"agent{number}",
                        "display_name": f"Petugas {number}",
                        "role": "agent",
                        "password_hash": "-",
                        "created_at": SEASON_START,
                    }
                    for number in range(1, AGENTS + 1)
                ],
            )
            batch = []
            for number in range(1, CASES + 1):
                received = SEASON_START + dt.timedelta(seconds=rng.uniform(0, SEASON_DAYS * 86_400))
                day = received.astimezone(WIB).date()
                if day not in days:
                    days[day] = receipt_clocks(received, calendar)
                status = rng.choices(statuses, weights)[0]
                row = {
                    "id": number,
                    "ticket": format_ticket(2026, number),
                    "year": 2026,
                    "number": number,
                    "channel": rng.choice(list(Channel)).value,
                    "channel_user": f"user{number}",
                    "conversation_id": f"conv{number}",
                    "display_name": f"{rng.choice(NAMES)} {rng.choice(NAMES)}son{number % 997}",
                    "kind": "complaint",
                    "sscn_topic": rng.choice(topics),
                    "status": status,
                    "summary": " ".join(rng.choices(WORDS, k=6)) + f" nomor {number}",
                    "description": " ".join(rng.choices(WORDS, k=30)),
                    "assigned_agent_id": rng.choice([None, *range(1, AGENTS + 1)]),
                    "unit_id": None,
                    "received_at": received,
                    "updated_at": received,
                    **days[day],
                    "resolved_at": None,
                    "verified_at": None,
                    "forwarded_at": None,
                    "followup_due_at": None,
                    "followed_up_at": None,
                }
                later = received + dt.timedelta(hours=rng.uniform(1, 200))
                if status != Status.BELUM_DIVERIFIKASI:
                    row["verified_at"] = later
                if status in (Status.DALAM_PROSES, Status.SELESAI):
                    row["unit_id"] = rng.choice(units)
                    row |= forwarded(later, calendar) if rng.random() < 0.05 else {}
                if status in (Status.SELESAI, Status.DITOLAK, Status.DUPLIKAT):
                    row["resolved_at"] = later + dt.timedelta(hours=rng.uniform(1, 200))
                batch.append(row)
                if len(batch) == BATCH:
                    connection.execute(insert(Case), batch)
                    batch = []
            if batch:
                connection.execute(insert(Case), batch)
    finally:
        engine.dispose()
    return {"ticket": format_ticket(2026, 77_777), "name": "son421", "text": "foto kartu nik"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_queries(url: str, samples: dict[str, str], label: str) -> list[str]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = SEASON_START + dt.timedelta(days=SEASON_DAYS + 5)
    kinds: dict[str, Callable[[], object]] = {
        "first page": lambda: queue_page(sessions, QueueFilter(), now),
        "filtered page": lambda: queue_page(
            sessions,
            QueueFilter(status=OPEN, topic="unggah_dokumen", assignee=UNASSIGNED, breached=True),
            now,
        ),
        "my open cases": lambda: queue_page(
            sessions, QueueFilter(status=OPEN, assignee="mine"), now, agent_id=7
        ),
        "last page": lambda: queue_page(sessions, QueueFilter(), now, page=CASES // 50),
        "search ticket": lambda: queue_page(sessions, QueueFilter(search=samples["ticket"]), now),
        "search name": lambda: queue_page(sessions, QueueFilter(search=samples["name"]), now),
        "search text": lambda: queue_page(sessions, QueueFilter(text=samples["text"]), now),
    }
    lines = []
    try:
        for kind, query in kinds.items():
            query()  # warm the caches once
            durations = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                page = query()
                durations.append((time.perf_counter() - started) * 1000)
            lines.append(
                f"  {label:10s} {kind:14s} p50 {statistics.median(durations):6.1f} ms,"
                f" p95 {percentile(durations, 0.95):6.1f} ms ({page.total:,} matching)"
            )
    finally:
        engine.dispose()
    return lines


def _run(url: str, label: str) -> list[str]:
    upgrade(url)
    started = time.perf_counter()
    samples = seed(url)
    seeded = time.perf_counter() - started
    return [
        f"  {label}: {CASES:,} cases seeded in {seeded:.0f} s",
        *time_queries(url, samples, label),
    ]


def queue_speed() -> list[str]:
    """The bench section: queue pages over ``CASES`` cases, SQLite then PostgreSQL."""
    lines = [f"Agents' queue over {CASES:,} cases (page of 50; target < 300 ms):"]
    with tempfile.TemporaryDirectory(prefix="sscn-queue-") as work:
        lines += _run(f"sqlite:///{work}/queue.db", "SQLite")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_schema("sscn_bench_queue"))
        except OperationalError as error:
            lines.append(f"  PostgreSQL not reachable at {POSTGRES_URL}: skipped ({error.orig})")
        else:
            lines += _run(url, "PostgreSQL")
    return lines


if __name__ == "__main__":
    print("\n".join(queue_speed()), flush=True)
