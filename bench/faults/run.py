"""`make faults`: the production shape under a fixed load on every channel, with one
fault at a time injected at a fixed moment (issue 14, point 4; docs/FAULT_CAMPAIGN.md).

    .venv-load/bin/python bench/faults/run.py [--only kill_rasa,stop_redis] [--work-tree]

One cluster (bench/faults/cluster.py: 2 Rasa instances, 2 action servers, its own
ports, databases, Redis db, outbox, the ledger behind a cuttable proxy) serves every
scenario; each scenario is a fresh Locust session (bench/load/run.py's LoadSession,
the users of bench/faults/users.py) of ``--users`` applicants for ``--seconds``, the
fault injected ``--fault-at`` seconds in, then a drain until every accepted turn is
answered (or the scenario's cap). Per scenario: build/faults/<name>.json and a table;
at the end build/faults/results.json and one line
``faults=6 survived=... lost=... duplicated=...``.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import gevent
import locust  # noqa: F401  (first: gevent's monkey patching)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from locust.env import Environment  # noqa: E402

from bench.faults import analysis  # noqa: E402
from bench.faults import users as fault_users  # noqa: E402
from bench.faults.cluster import FaultCluster  # noqa: E402
from bench.faults.scenarios import BY_NAME, ORDER, SCENARIOS, Scenario  # noqa: E402
from bench.load import accounting  # noqa: E402
from bench.load.cluster import snapshot  # noqa: E402
from bench.load.run import LoadSession  # noqa: E402
from bench.load.users import HARNESS  # noqa: E402

OUT_DIR = PROJECT_ROOT / "build" / "faults"
NGINX_LINE = re.compile(r'"(\w+) (/[^?" ]*)[^"]*" (\d{3})')
LOG_PROBLEMS = re.compile(
    r"Traceback|\bERROR\b|\bCRITICAL\b|exited: |spawned: |success: |gave up|"
    r"\bWARNING\b.*(unavailable|outbox|lock|claim|tracker|database|connect)",
    re.IGNORECASE,
)


class FaultSession(LoadSession):
    """A LoadSession with the campaign's users and a drain that waits for Telegram's
    redeliveries and for late replies of every accepted turn."""

    def __init__(self, cluster: FaultCluster, timeout: float, seed: int) -> None:
        super().__init__(cluster, timeout=timeout, seed=seed)
        fault_users.reset()
        self.env = Environment(user_classes=fault_users.USER_CLASSES)
        self.runner = self.env.create_local_runner()
        self.started = time.time()

    def unanswered(self) -> int:
        """Accepted turns without a reply that may still get one: not those of a web
        chat whose socket dropped (nothing can reach that page any more)."""
        turns, replies = analysis.within(*HARNESS.recorder.snapshot(), self.started)
        outcomes, _ = accounting.attribute(turns, replies)
        dropped = {conversation for conversation, _ in fault_users.DISCONNECTS}
        return sum(
            1
            for o in outcomes
            if o.turn.accepted
            and not o.replies
            and not (o.turn.channel == "webchat" and o.turn.conversation in dropped)
        )

    def drain_and_finish(self, drain_cap: float) -> dict[str, float]:
        HARNESS.stopping = True
        started = time.time()
        # Users in a turn (a Telegram update being redelivered) finish it first.
        while HARNESS.in_flight > 0 and time.time() - started < drain_cap + 60:
            gevent.sleep(0.5)
        in_flight_s = time.time() - started
        while self.unanswered() and time.time() - started < drain_cap:
            gevent.sleep(2)
        drained_s = time.time() - started
        for client in HARNESS.parked:  # closed by finish(): not a socket that dropped
            client.closing = True
        self.finish(drain=3.0)
        return {"in_flight_wait_s": round(in_flight_s, 1), "drain_s": round(drained_s, 1)}


def nginx_statuses(cluster: FaultCluster, sizes: dict[str, int]) -> dict[str, int]:
    """Non-2xx answers nginx gave (public and actions side) since ``sizes``, and the
    requests it passed on to the next instance (``upstream=a, b``: the first failed)."""
    counts: Counter[str] = Counter()
    for path in cluster.logs():
        if "access" not in path.name:
            continue
        with open(path, "rb") as handle:
            handle.seek(sizes.get(str(path), 0))
            text = handle.read().decode(errors="replace")
        for line in text.splitlines():
            match = NGINX_LINE.search(line)
            if not match:
                continue
            where = match.group(2).rstrip("/") or "/"
            if not match.group(3).startswith(("1", "2", "3")):
                counts[f"{match.group(1)} {where} {match.group(3)}"] += 1
            if re.search(r"upstream=\S+, ", line):
                counts[f"{match.group(1)} {where} passed to the next instance"] += 1
    return dict(counts.most_common())


def run_scenario(
    cluster: FaultCluster, scenario: Scenario, args: argparse.Namespace, apologies: dict[str, str]
) -> dict[str, Any]:
    session = FaultSession(cluster, timeout=args.timeout, seed=args.seed)
    sizes = cluster.log_sizes()
    started = session.started
    greenlets: list[gevent.Greenlet] = []

    def inject() -> None:
        try:
            scenario.inject()
        except Exception as error:  # noted; the scenario's finally restored the service
            scenario.facts["error"] = f"{type(error).__name__}: {error}"

    try:
        scenario.prepare()
        session.started = started = time.time()  # the load starts now
        session.set_users(args.users)
        session.measure(
            args.seconds, [(args.fault_at, lambda: greenlets.append(gevent.spawn(inject)))]
        )
        gevent.joinall(greenlets, timeout=240)
        waits = session.drain_and_finish(scenario.drain_cap)
    finally:
        for greenlet in greenlets:
            greenlet.kill(block=True, timeout=30)
        scenario.ensure_restored()
    scenario.after()
    ended = time.time()

    turns, replies = analysis.within(*HARNESS.recorder.snapshot(), started)
    rows = accounting.account(turns, replies, args.timeout)
    outcomes, stray = accounting.attribute(turns, replies)
    facts = scenario.facts
    fault_at = facts.get("fault_at") or started + args.fault_at
    recovery = analysis.recovery(outcomes, fault_at, apologies)
    seen = analysis.seen_during(
        outcomes, apologies, fault_at, ended, fault_users.REFUSED_TEXTS, fault_users.DISCONNECTS
    )
    baseline = analysis.seen_during(
        outcomes, apologies, started, fault_at, fault_users.REFUSED_TEXTS, fault_users.DISCONNECTS
    )
    telegram = analysis.telegram_updates(outcomes)
    health = cluster.healthy()
    all_channels_back = bool(recovery) and all(value is not None for value in recovery.values())
    recovered = scenario.recovered() and all(health.values()) and all_channels_back
    rest_silent = analysis.rest_unanswered(outcomes)
    lost = analysis.lost_total(rows, telegram, len(rest_silent))
    duplicated = rows["all"].duplicated if "all" in rows else 0
    texts = " ".join(r.text for r in replies)
    return {
        "order": ORDER[scenario.name],
        "name": scenario.name,
        "title": scenario.title,
        "verdict": analysis.verdict(lost, duplicated, recovered),
        "lost": lost,
        "duplicated": duplicated,
        "recovered": recovered,
        "health_after": health,
        "load": {
            "users": args.users,
            "seconds": args.seconds,
            "fault_at_s": round(fault_at - started, 2),
            "fault_end_s": round(facts["fault_end"] - started, 2)
            if facts.get("fault_end")
            else None,
            **waits,
        },
        "by_channel": {name: row.as_dict() for name, row in rows.items()},
        "seen_during_fault": seen,
        "seen_before_fault": baseline,
        "recovery_s": recovery,
        "telegram": telegram,
        "rest_no_answer": rest_silent,
        "complaints": {
            "queued_replies": texts.count(analysis.QUEUED_MARK),
            "announced_later_replies": texts.count(analysis.ANNOUNCED_MARK),
            "filed_replies": texts.count(analysis.FILED_MARK),
        },
        "lost_turns": analysis.lost_details(outcomes, fault_users.DISCONNECTS)[:40],
        "facts": facts,
        "evidence": {
            "nginx_non_2xx": nginx_statuses(cluster, sizes),
            "log_lines": cluster.log_lines_since(sizes, LOG_PROBLEMS, limit=12),
            "stray_replies": dict(stray),
        },
        "started": started,
        "ended": ended,
    }


def skipped(scenario: Scenario, reason: str) -> dict[str, Any]:
    return {
        "order": ORDER[scenario.name],
        "name": scenario.name,
        "title": scenario.title,
        "verdict": "skipped",
        "reason": reason,
        "lost": 0,
        "duplicated": 0,
    }


def print_result(result: dict[str, Any]) -> None:
    print(f"\n=== {result['order']}. {result['name']}: {result['title']} ===")
    if result["verdict"] == "skipped":
        print(f"skipped: {result['reason']}")
        return
    load = result["load"]
    print(
        f"{load['users']} users for {load['seconds']} s, fault at {load['fault_at_s']} s, "
        f"over at {load['fault_end_s']} s; drain {load['drain_s']} s"
    )
    rows = {k: accounting.ChannelFigures(**v) for k, v in result["by_channel"].items()}
    print(accounting.table(rows))
    for channel, row in sorted(result["seen_during_fault"].items()):
        extra = f" sockets dropped={row['socket_dropped']}" if "socket_dropped" in row else ""
        print(
            f"  seen on {channel:<8} apologies={row['apology_total']} {row['apologies']} "
            f"non-2xx={row['non_2xx']} refused turns={row['refused_turns']}{extra}"
        )
    print("  recovery (fault -> first normal answer), s:", json.dumps(result["recovery_s"]))
    tg = result["telegram"]
    print(
        f"  telegram: {tg['updates']} updates, {tg['redeliveries']} redeliveries "
        f"(max {tg['max_attempts']} attempts), never accepted={len(tg['never_accepted'])}, "
        f"unanswered={len(tg['accepted_unanswered'])}, answered twice={len(tg['answered_twice'])}"
    )
    keep = (
        "killed_pid", "new_pid", "new_pid_after_s", "serving_after_s", "cluster_stopped",
        "restart_s", "outage_s", "ping_after", "config_after_identical", "outbox_max",
        "outbox_empty_after_restore_s", "probes_queued", "probes_announced",
        "probes_ticket_matches_ledger", "logged_in_before", "logged_in_after",
        "agent_polls_failed", "agent_back_after_s", "doubled_cases", "error",
    )  # fmt: skip
    print("  facts:", json.dumps({k: result["facts"][k] for k in keep if k in result["facts"]}))
    print("  nginx non-2xx:", json.dumps(result["evidence"]["nginx_non_2xx"]))
    if result.get("rest_no_answer"):
        print(f"  rest: {len(result['rest_no_answer'])} calls got no answer at all (timeout)")
    print(
        f"  verdict: {result['verdict']} (lost={result['lost']} duplicated={result['duplicated']} "
        f"recovered={result['recovered']})"
    )


def ensure_cluster(cluster: FaultCluster, session_warm: list[bool]) -> None:
    """The cluster running and every process answering; started again if a scenario
    (honcho stopping everything) took it down."""
    if not cluster.running() or cluster.wait_healthy(120) is None:
        print("The cluster is down or unhealthy: starting it again...", flush=True)
        cluster.stop()
        cluster.start()
        session_warm[0] = False
    if not session_warm[0]:
        warm = FaultSession(cluster, timeout=30, seed=0)
        warm.warm_up()
        warm.finish(drain=0.5)
        session_warm[0] = True
    gevent.sleep(6)  # nginx's fail_timeout (5 s) for a peer that was down


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make faults")
    parser.add_argument("--only", default="", help="comma-separated scenario names or numbers")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--fault-at", type=float, default=25)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--outbox-retry-seconds", type=float, default=30)
    parser.add_argument(
        "--force",
        action="store_true",
        help="run the kill scenarios even when the cluster's process manager does not "
        "restart what dies (honcho stops everything)",
    )
    parser.add_argument(
        "--work-tree",
        action="store_true",
        help="run the work tree as it is instead of a snapshot of HEAD (git archive)",
    )
    parser.add_argument("--snapshot", default="HEAD", metavar="REV")
    parser.add_argument("--out", default=str(OUT_DIR))
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    by_number = {str(ORDER[s.name]): s.name for s in SCENARIOS}
    chosen = [BY_NAME[by_number.get(n, n)] for n in names] if names else SCENARIOS
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def stop_on_term(*_: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, stop_on_term)
    # Started in the background (nohup, `&`), this process ignores SIGINT and so would
    # every child: cluster.sh could not trap the SIGINT that stops it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    began = time.time()
    source, commit = None, None
    if not args.work_tree:
        source, commit = snapshot(args.snapshot, out / "src")
        print(f"Product snapshot: {commit} in {source}", flush=True)
    source_dir = source or PROJECT_ROOT
    apologies = analysis.apology_texts(source_dir)
    cluster = FaultCluster(
        out / "cluster", source=source, outbox_retry_seconds=args.outbox_retry_seconds
    )
    results: list[dict[str, Any]] = []
    print("Starting the cluster: 2 Rasa, 2 action servers...", flush=True)
    scenarios = [cls(cluster) for cls in chosen]
    try:
        cluster.start()
        manager = cluster.manager()
        print(f"Cluster up under {manager}.", flush=True)
        warm = [False]
        for scenario in scenarios:
            if scenario.needs_restarting_manager and manager != "supervisord" and not args.force:
                result = skipped(
                    scenario,
                    f"the cluster runs under {manager}, which does not restart a killed "
                    "process (honcho stops everything); run with --force to see it",
                )
            else:
                ensure_cluster(cluster, warm)
                print(f"\nScenario {ORDER[scenario.name]}: {scenario.title}...", flush=True)
                result = run_scenario(cluster, scenario, args, apologies)
            results.append(result)
            (out / f"{scenario.name}.json").write_text(json.dumps(result, indent=1, default=str))
            print_result(result)
    finally:
        for scenario in scenarios:
            scenario.ensure_restored()
        clean = cluster.stop()
        print(f"Cluster stopped{'' if clean else ' (had to be killed)'}.", flush=True)
    summary = analysis.summary_line(results)
    (out / "results.json").write_text(
        json.dumps(
            {
                "source": {"snapshot": commit} if commit else {"work_tree": True},
                "args": vars(args),
                "manager": manager,
                "elapsed_s": round(time.time() - began, 1),
                "scenarios": results,
                "summary": summary,
            },
            indent=1,
            default=str,
        )
    )
    print(f"\nelapsed: {time.time() - began:.0f} s; results: {out / 'results.json'}")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
