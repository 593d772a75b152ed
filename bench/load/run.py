"""`make loadtest`: the production shape under a ramp of simulated applicants.

    .venv-load/bin/python bench/load/run.py --instances 1,2 [--stages 10,20,...]

For each number of Rasa instances: fresh load databases, ``scripts/cluster.sh`` with
the fakes and the X poller (bench/load/cluster.py), Locust users on every channel
(bench/load/users.py) stepped up stage by stage until the throughput stops rising or
p95 passes the bound, CPU per process group over every stage, then a drain and the
accounting (bench/load/accounting.py). Prints the tables, the capacity estimate and
one summary line; writes build/load/results.json.

A fault campaign reuses ``LoadSession``: ``session.run_fixed(users, seconds,
hooks=[(t, callable)])`` runs a fixed load, calls each hook ``t`` seconds in, and
returns the accounting.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import locust  # noqa: F401  (first: gevent's monkey patching)
import requests
from locust.env import Environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from bench.load import accounting  # noqa: E402
from bench.load.accounting import Reply  # noqa: E402
from bench.load.cluster import CpuMeter, LoadCluster, snapshot  # noqa: E402
from bench.load.users import HARNESS, USER_CLASSES, close_parked  # noqa: E402

OUT_DIR = PROJECT_ROOT / "build" / "load"


def collect_outbox(fake_url: str, stop: list[bool]) -> None:
    """Move what the fakes received (Telegram sendMessage, X posts) into the recorder."""
    since, http = 0, requests.Session()
    while not stop[0]:
        try:
            data = http.get(f"{fake_url}/_load/outbox", params={"since": since}, timeout=5).json()
        except requests.RequestException:
            gevent.sleep(0.2)
            continue
        for item in data["items"]:
            if item["platform"] == "telegram":
                reply = Reply(
                    "telegram",
                    str(item["chat_id"]),
                    item["at"],
                    item["text"],
                    buttons=item.get("buttons") or [],
                )
            else:
                reply = Reply(
                    "x",
                    str(item["author"]),
                    item["at"],
                    item["text"],
                    turn_id=str(item["root"]),
                    key=f"{item['parent']}|{item['text']}",
                )
            HARNESS.recorder.reply(reply)
        since = data["next"]
        gevent.sleep(0.1)


class LoadSession:
    """Locust users against a running LoadCluster, with the fakes' outbox collected."""

    def __init__(self, cluster: LoadCluster, timeout: float = 30.0, seed: int = 14) -> None:
        self.cluster = cluster
        HARNESS.reset()
        HARNESS.nginx_url, HARNESS.fake_url = cluster.nginx_url, cluster.fake_url
        HARNESS.rest_token, HARNESS.telegram_secret = cluster.rest_token, cluster.telegram_secret
        HARNESS.timeout, HARNESS.seed = timeout, seed
        self.env = Environment(user_classes=USER_CLASSES)
        self.runner = self.env.create_local_runner()
        self._stop = [False]
        self._collector = gevent.spawn(collect_outbox, cluster.fake_url, self._stop)
        self.meter = CpuMeter(cluster)

    def warm_up(self) -> None:
        """Two REST conversations on each instance directly, through every kind of action
        (the first complaint, intake and status check of an action server load its
        classifiers: ~10 s), so no stage pays for a cold start."""
        script = [
            "halo",
            "cara daftar sscasn gimana",
            "upload ijazah gagal terus padahal ukurannya cuma 400 kb",
            "mau bicara sama petugas",
            "dari kemarin sudah dicoba berkali kali tetap tidak bisa, mohon dibantu",
            '/affirm{"case_topic":"lainnya"}',
            "lewati",
            "cek status tiket SSCN-2026-00001",
            "makasih",
        ]

        def talk(port: int, sender: str) -> None:
            for text in script:
                requests.post(
                    f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    headers={"Authorization": f"Bearer {self.cluster.rest_token}"},
                    timeout=120,
                )

        gevent.joinall(
            [
                gevent.spawn(talk, self.cluster.ports["rasa"] + index, f"warmup{index}x{k}")
                for index in range(self.cluster.n_rasa)
                for k in range(max(2, self.cluster.n_actions))
            ]
        )

    def set_users(self, count: int) -> None:
        self.runner.start(count, spawn_rate=max(count, 1))

    def finish(self, drain: float = 10.0) -> dict[str, accounting.ChannelFigures]:
        """Let the turns in flight end, stop the users, wait ``drain`` seconds for late
        replies, and account for the whole session."""
        HARNESS.stopping = True
        deadline = time.time() + HARNESS.timeout + 5
        while HARNESS.in_flight > 0 and time.time() < deadline:
            gevent.sleep(0.2)
        self.runner.quit()
        gevent.sleep(drain)
        self._stop[0] = True
        self._collector.join(timeout=10)
        close_parked()
        turns, replies = HARNESS.recorder.snapshot()
        return accounting.account(turns, replies, HARNESS.timeout)

    def measure(self, seconds: float, hooks: list[tuple[float, Callable[[], Any]]] = ()) -> dict:
        """Run the current load for ``seconds``, calling each hook ``t`` seconds in; the
        CPU per process group and the live throughput of the window."""
        self.meter.start()
        start = time.time()
        pending = sorted(hooks, key=lambda hook: hook[0])
        while time.time() - start < seconds:
            while pending and time.time() - start >= pending[0][0]:
                pending.pop(0)[1]()
            gevent.sleep(0.2)
        end = time.time()
        cpu = self.meter.stop()
        turns, replies = HARNESS.recorder.snapshot()
        return {
            "start": start,
            "end": end,
            "cpu": cpu,
            "live": accounting.window_rate(turns, replies, start, end),
        }

    def run_fixed(
        self, users: int, seconds: float, hooks: list[tuple[float, Callable[[], Any]]] = ()
    ) -> dict[str, Any]:
        """A fixed load for a fault campaign: ``users`` for ``seconds``, hooks called on
        time; the window's measurements and the accounting after the drain."""
        self.set_users(users)
        window = self.measure(seconds, hooks)
        return {"window": window, "accounting": self.finish()}


def run_ramp(
    cluster: LoadCluster,
    stages: list[int],
    stage_seconds: float,
    ramp_seconds: float,
    p95_bound_ms: float,
    timeout: float,
) -> dict[str, Any]:
    session = LoadSession(cluster, timeout=timeout)
    session.warm_up()
    results: list[dict[str, Any]] = []
    for users in stages:
        session.set_users(users)
        gevent.sleep(ramp_seconds)  # conversations start spread over the think time
        stage = session.measure(stage_seconds)
        stage["users"] = users
        results.append(stage)
        live, cpu = stage["live"], stage["cpu"]
        ours = sum(cpu["cpu_s"].values()) / cpu["wall_s"]
        print(
            f"  n_rasa={cluster.n_rasa} users={users:>3}: {live['msg_s']:6.2f} msg/s "
            f"p50={live['p50_ms']} p95={live['p95_ms']} ms; cores busy: ours {ours:.2f}, "
            f"other work on the machine {cpu['others_s'] / cpu['wall_s']:.2f}",
            flush=True,
        )
        if accounting.saturated(results, p95_bound_ms):
            break
    totals = session.finish()
    cluster.dump_messages()
    turns, replies = HARNESS.recorder.snapshot()
    for stage in results:
        sent_window = accounting.account(turns, replies, timeout, stage["start"], stage["end"])
        stage["by_channel"] = {k: v.as_dict() for k, v in sent_window.items()}
        stage["cpu_ms_per_turn"] = accounting.cpu_ms_per_turn(
            stage["cpu"]["cpu_s"], stage["live"]["answered"]
        )
    index = accounting.knee(results, p95_bound_ms)
    run_dir = cluster.run_dir
    HARNESS.recorder.dump(str(run_dir / "turns.json"))
    return {
        "n_rasa": cluster.n_rasa,
        "n_actions": cluster.n_actions,
        "stages": results,
        "knee": index,
        "max_msg_s": max((s["live"]["msg_s"] for s in results), default=0.0),
        "totals": {k: v.as_dict() for k, v in totals.items()},
        "totals_figures": totals,
    }


def print_run(run: dict[str, Any]) -> None:
    print(f"\n=== {run['n_rasa']} Rasa instance(s), {run['n_actions']} action servers ===")
    print("whole run (every stage, after the drain):")
    print(accounting.table(run["totals_figures"]))
    if run["knee"] is not None:
        stage = run["stages"][run["knee"]]
        print(
            f"knee: {stage['users']} users, {stage['live']['msg_s']} msg/s answered, "
            f"p95 {stage['live']['p95_ms']} ms (turns sent in the stage, by channel):"
        )
        rows = {k: accounting.ChannelFigures(**v) for k, v in stage["by_channel"].items()}
        print(accounting.table(rows))
        print(
            "CPU ms per answered turn at the knee:",
            json.dumps(stage["cpu_ms_per_turn"], sort_keys=True),
        )
    print(f"max throughput: {run['max_msg_s']} msg/s")


def print_capacity(runs: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = next((r for r in runs if r["n_rasa"] == 1 and r["knee"] is not None), None)
    chosen = chosen or next((r for r in runs if r["knee"] is not None), None)
    if chosen is None:
        print("no stage within the p95 bound: no capacity estimate")
        return {}
    stage = chosen["stages"][chosen["knee"]]
    ms = stage["cpu_ms_per_turn"]
    kinds = accounting.per_kind(ms)
    rows = accounting.capacity(ms)
    print(
        f"\n=== capacity (from CPU per turn at the knee of the {chosen['n_rasa']}-instance run) ==="
    )
    print("CPU ms per turn by kind:", json.dumps(kinds, sort_keys=True))
    print(f"{'msg/s':>6}{'Rasa':>6}{'actions':>9}{'cores':>7}   (70 % of a core each)")
    for row in rows:
        print(
            f"{row['msg_s']:>6}{row['rasa_instances']:>6}{row['action_servers']:>9}{row['cores']:>7}"
        )
    server_ms = sum(kinds.get(k, 0.0) for k in accounting.SERVER_GROUPS)
    all_ms = sum(kinds.values())
    check = {
        "rasa_bound_msg_s_one_instance": round(1000 / kinds["rasa"], 1)
        if kinds.get("rasa")
        else None,
        "machine_bound_msg_s_2_cores_servers_only": round(2000 / server_ms, 1)
        if server_ms
        else None,
        "machine_bound_msg_s_2_cores_with_loadgen": round(2000 / all_ms, 1) if all_ms else None,
        "measured_max_msg_s": {str(r["n_rasa"]): r["max_msg_s"] for r in runs},
    }
    print("check:", json.dumps(check))
    return {
        "from_run": chosen["n_rasa"],
        "ms_per_turn": ms,
        "by_kind": kinds,
        "rows": rows,
        "check": check,
    }


def git(*args: str) -> str:
    """What the product code under test was (others may edit the work tree meanwhile)."""
    done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make loadtest")
    parser.add_argument("--instances", default="1,2")
    parser.add_argument("--actions", type=int, default=2)
    parser.add_argument("--stages", default="10,20,40,60,90,130")
    parser.add_argument("--stage-seconds", type=float, default=30)
    parser.add_argument("--ramp-seconds", type=float, default=5)
    parser.add_argument("--p95-bound-ms", type=float, default=2000)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--out", default=str(OUT_DIR / "results.json"))
    parser.add_argument(
        "--snapshot",
        metavar="REV",
        help="run the product as committed at REV (git archive into build/load/src) instead "
        "of the work tree, so edits made meanwhile do not change the runs",
    )
    args = parser.parse_args(argv)
    # SIGTERM (timeout, CI) unwinds like Ctrl-C, so every cluster started gets stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stages = [int(n) for n in args.stages.split(",")]
    source = None
    if args.snapshot:
        source, commit = snapshot(args.snapshot, OUT_DIR / "src")
        print(f"Product snapshot: {commit} in {source}", flush=True)
    runs = []
    started = time.time()
    for n_rasa in (int(n) for n in args.instances.split(",")):
        cluster = LoadCluster(
            n_rasa=n_rasa, n_actions=args.actions, run_dir=OUT_DIR / f"n{n_rasa}", source=source
        )
        print(f"Starting the cluster: {n_rasa} Rasa, {args.actions} action servers...", flush=True)
        try:
            cluster.start()
            runs.append(
                run_ramp(
                    cluster,
                    stages,
                    args.stage_seconds,
                    args.ramp_seconds,
                    args.p95_bound_ms,
                    args.timeout,
                )
            )
        finally:
            clean = cluster.stop()
            print(f"Cluster stopped{'' if clean else ' (had to be killed)'}.", flush=True)
        if runs and runs[-1]["n_rasa"] == n_rasa:
            runs[-1]["evidence"] = cluster.evidence()
            runs[-1]["stopped_cleanly"] = clean
    for run in runs:
        print_run(run)
    capacity = print_capacity(runs)
    final = runs[-1]
    total = final["totals_figures"]["all"]
    summary_figures = accounting.ChannelFigures(**{**total.as_dict(), "msg_s": final["max_msg_s"]})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for run in runs:
        run.pop("totals_figures")
    source_info = (
        {"snapshot": commit}
        if args.snapshot
        else {
            "work_tree_at": git("rev-parse", "HEAD"),
            "uncommitted": git("status", "--porcelain", "--", "bot", "channels", "actions"),
        }
    )
    out.write_text(
        json.dumps(
            {
                "started": started,
                "source": source_info,
                "runs": runs,
                "capacity": capacity,
                "args": vars(args),
            },
            indent=1,
        )
    )
    print(f"\nfull results: {out}")
    print(accounting.summary_line(summary_figures))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skips gevent's noisy interpreter teardown; everything is written
