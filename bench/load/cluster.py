"""Start and stop the production shape (scripts/cluster.sh) for the load test, on its
own ports, databases and Redis db, with the fakes beside it; name the PIDs of each
process group for CPU accounting (and for a fault campaign to kill or pause).

    with LoadCluster(n_rasa=2, run_dir=Path("build/load/n2")) as cluster:
        cluster.groups()  # {"rasa1": [psutil.Process], ..., "postgres": [...], ...}

Only the standard library and psutil: it runs in the load venv. The cluster itself
runs in the main venv (.venv), as ``make cluster`` does.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from devtools.net import free_port, port_open

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAIN_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
PORTS = {"nginx": 8100, "actions_lb": 5155, "rasa": 5110, "actions": 5160, "console": 8180}
DATABASES = ("sscn_load", "sscn_load_tracker")
REDIS_DB = 13  # tests use 1 (make cluster's default) and 8
READY_LINE = "Press Ctrl-C to stop"


def snapshot(revision: str, target: Path) -> tuple[Path, str]:
    """The product at ``revision`` (``git archive``) in ``target``, sharing this tree's
    venv and model, so others' edits to the work tree during a run change nothing;
    returns the directory and the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", revision],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if target.exists():
        subprocess.run(["rm", "-rf", str(target)], check=True)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", commit], cwd=PROJECT_ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for shared in (".venv", "models"):
        (target / shared).symlink_to(PROJECT_ROOT / shared)
    return target, commit


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qAt", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )


def reset_stores(databases: tuple[str, ...] = DATABASES, redis_db: int = REDIS_DB) -> None:
    """Drop the load databases (recreated by cluster.sh) and empty the Redis db, so runs
    start alike."""
    for name in databases:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    subprocess.run(["redis-cli", "-n", str(redis_db), "FLUSHDB"], check=True, capture_output=True)


def wait_for_line(path: Path, line: str, timeout: float, alive: Any) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and line in path.read_text(errors="replace"):
            return True
        if not alive():
            return False
        time.sleep(0.5)
    return False


class LoadCluster:
    """``scripts/cluster.sh`` with N_RASA / N_ACTIONS, the fake platforms, the X poller."""

    def __init__(
        self,
        n_rasa: int,
        run_dir: Path,
        n_actions: int = 2,
        ports: dict[str, int] | None = None,
        extra_env: dict[str, str] | None = None,
        source: Path | None = None,
    ) -> None:
        self.n_rasa, self.n_actions = n_rasa, n_actions
        self.run_dir = Path(run_dir).resolve()
        self.ports = dict(PORTS, **(ports or {}))
        self.extra_env = extra_env or {}
        self.rest_token = secrets.token_urlsafe(24)
        self.telegram_secret = secrets.token_urlsafe(24)
        self.poller_token = secrets.token_urlsafe(24)
        self.webchat_secret = secrets.token_hex(32)
        self.ledger_key = base64.urlsafe_b64encode(os.urandom(32)).decode()  # a Fernet key
        self.fake_port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        # The product tree the cluster runs (a snapshot from snapshot(), or this one).
        self.source = Path(source).resolve() if source else PROJECT_ROOT

    @property
    def nginx_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}"

    @property
    def fake_url(self) -> str:
        return f"http://127.0.0.1:{self.fake_port}"

    def env(self) -> dict[str, str]:
        from bench.load.fakes import TELEGRAM_TOKEN

        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWITTER_"))}
        var = self.run_dir / "var"
        env.update(
            N_RASA=str(self.n_rasa),
            N_ACTIONS=str(self.n_actions),
            SSCN_VAR_DIR=str(var),
            SSCN_CLUSTER_PORT=str(self.ports["nginx"]),
            SSCN_CLUSTER_ACTIONS_LB_PORT=str(self.ports["actions_lb"]),
            SSCN_CLUSTER_RASA_PORT=str(self.ports["rasa"]),
            SSCN_CLUSTER_ACTIONS_PORT=str(self.ports["actions"]),
            SSCN_CONSOLE_PORT=str(self.ports["console"]),
            SSCN_DATABASE_URL=f"postgresql+psycopg2://postgres@127.0.0.1:5432/{DATABASES[0]}",
            SSCN_TRACKER_DB=DATABASES[1],
            SSCN_REDIS_DB=str(REDIS_DB),
            SSCN_REST_CHANNEL="1",
            SSCN_REST_TOKEN=self.rest_token,
            SSCN_POLLER_TOKEN=self.poller_token,
            SSCN_WEBCHAT_SECRET=self.webchat_secret,
            SSCN_WEBCHAT_ORIGINS=self.nginx_url,
            TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            TELEGRAM_API_BASE_URL=f"{self.fake_url}/bot",
            TELEGRAM_WEBHOOK_URL="https://helpdesk.example/webhooks/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=self.telegram_secret,
            SSCN_LEDGER_KEY=env.get("SSCN_LEDGER_KEY") or self.ledger_key,
            NO_PROXY="127.0.0.1,localhost",
        )
        if self.source != PROJECT_ROOT:  # `sscn` would import the editable install's tree
            env["PYTHONPATH"] = str(self.source)
            env["LOAD_SOURCE_DIR"] = str(self.source)
        env.update(self.extra_env)
        return env

    def x_poller_env(self) -> dict[str, str]:
        from bench.load.fakes import X_USER_ID

        env = self.env()
        env.update(
            SSCN_RASA_URL=self.nginx_url,
            TWITTER_API_KEY="load",
            TWITTER_API_SECRET="load",
            TWITTER_ACCESS_TOKEN="load",
            TWITTER_ACCESS_SECRET="load",
            TWITTER_USER_ID=X_USER_ID,
            SSCN_TWITTER_POLL_SECONDS="0.5",
            LOAD_FAKE_X_URL=self.fake_url,
        )
        return env

    # --- lifecycle --------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.run_dir / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                argv,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # A start from a background job inherits SIGINT ignored, and bash cannot
                # trap a signal ignored on entry: give the child the default back.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        self.procs[name] = proc
        return proc

    def start(self, timeout: float = 300) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        busy = [p for p in (*self.ports.values(), self.ports["rasa"] + 1) if port_open(p)]
        if busy:
            raise RuntimeError(f"ports already in use: {busy} (another load run?)")
        reset_stores()
        # A fresh var dir too: supervisord appends to its logs, and an outbox item left
        # by an earlier run would be filed in this one.
        shutil.rmtree(self.run_dir / "var", ignore_errors=True)
        fakes = self._spawn(
            "fakes",
            [
                sys.executable,
                "-m",
                "bench.load.fakes",
                "--port",
                str(self.fake_port),
            ],
            dict(os.environ),
        )
        log = self.run_dir / "fakes.log"
        if not wait_for_line(log, "port=", 20, lambda: fakes.poll() is None):
            raise RuntimeError(f"the fake platforms did not start: {log}")
        cluster = self._spawn(
            "cluster", ["bash", str(self.source / "scripts" / "cluster.sh")], self.env()
        )
        log = self.run_dir / "cluster.log"
        if not wait_for_line(log, READY_LINE, timeout, lambda: cluster.poll() is None):
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"the cluster did not come up ({log}):\n{tail}")
        self._spawn(
            "x_poller",
            [str(MAIN_PYTHON), str(PROJECT_ROOT / "bench/load/x_poller.py")],
            self.x_poller_env(),
        )

    def stop(self, timeout: float = 60) -> bool:
        """SIGINT to the poller and to cluster.sh (its trap stops the process manager and
        everything it started), then the fakes; SIGTERM after half of ``timeout``,
        SIGKILL to the process group after all of it. True if everything stopped by itself."""
        clean = True
        for name in ("x_poller", "cluster", "fakes"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout / 2)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)  # cluster.sh traps TERM the same way
                try:
                    proc.wait(timeout / 2)
                except subprocess.TimeoutExpired:
                    clean = False
                    with_group(proc.pid, signal.SIGKILL)
                    proc.wait(10)
        return clean

    def __enter__(self) -> LoadCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def dump_messages(self) -> None:
        """The product's message log (channel, direction, status, timings) as CSV beside
        the run's logs, before the next run drops the database."""
        target = self.run_dir / "messages.csv"
        query = (
            "SELECT id, channel, conversation_id, direction, external_id, status, note, "
            "reply_to_id, part, at, done_at, claimed_until FROM messages ORDER BY id"
        )
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASES[0], "-qAt"]
                + ["-c", f"\\copy ({query}) TO '{target}' WITH CSV HEADER"],
                check=True,
                capture_output=True,
            )

    def evidence(self) -> dict[str, Any]:
        """What the servers logged: nginx status codes per path, error lines of the
        cluster's output (first few kept), the X poller's warnings."""
        import collections
        import re

        statuses: collections.Counter[str] = collections.Counter()
        access = self.run_dir / "var" / "cluster" / "log" / "nginx-access.log"
        if access.exists():
            pattern = re.compile(r'"(\w+) (/[^?" ]*)[^"]*" (\d{3})')
            for line in access.read_text(errors="replace").splitlines():
                match = pattern.search(line)
                if match:
                    path = match.group(2).rstrip("/") or "/"
                    statuses[f"{match.group(1)} {path} {match.group(3)}"] += 1
        errors: dict[str, Any] = {}
        logs = [self.run_dir / "cluster.log", self.run_dir / "x_poller.log"]
        logs += sorted((self.run_dir / "var" / "cluster" / "log").glob("[rac]*.log"))
        for log in logs:  # supervisord writes each program's output to its own file
            name = log.stem
            if not log.exists():
                continue
            hits = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if re.search(r"Traceback|\bERROR\b|Exception|\bWARNING\b", line)
                and "Deprecat" not in line
            ]
            errors[name] = {"count": len(hits), "first": hits[:15]}
        return {"nginx": dict(statuses.most_common()), "logs": errors}

    # --- processes --------------------------------------------------------------------

    def groups(self) -> dict[str, list[psutil.Process]]:
        """Process group name -> processes: rasa<i>, actions<i>, console, nginx,
        manager (cluster.sh, the process manager and its shells), postgres (this run's
        backends + the server's own), redis, x_poller, fakes, loadgen (this process)."""
        result: dict[str, list[psutil.Process]] = {}

        def add(name: str, proc: psutil.Process) -> None:
            result.setdefault(name, []).append(proc)

        rasa_base, actions_base = self.ports["rasa"], self.ports["actions"]
        cluster = self.procs.get("cluster")
        if cluster is not None and cluster.poll() is None:
            root = psutil.Process(cluster.pid)
            add("manager", root)
            for proc in root.children(recursive=True):
                try:
                    line = " ".join(proc.cmdline())
                    if "channels.rasa_server" in line:
                        port = int(proc.environ().get("SSCN_RASA_PORT", rasa_base))
                        add(f"rasa{port - rasa_base + 1}", proc)
                    elif "actions.server" in line:
                        port = int(proc.environ().get("SSCN_ACTIONS_PORT", actions_base))
                        add(f"actions{port - actions_base + 1}", proc)
                    elif "sscn console" in line:
                        add("console", proc)
                    elif proc.name() == "nginx":
                        add("nginx", proc)
                    else:  # the process manager (supervisord or honcho) and its shells
                        add("manager", proc)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
        for name in ("x_poller", "fakes"):
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is None:
                add(name, psutil.Process(proc.pid))
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                name = proc.info["name"] or ""
                line = " ".join(proc.info["cmdline"] or [])
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if name == "postgres" or line.startswith("postgres"):
                backend = "(" in line and ")" in line  # "postgres: ... db 127.0.0.1(port) ..."
                if not backend or any(f" {db} " in line for db in DATABASES):
                    add("postgres", proc)
            elif name.startswith("redis-server"):
                add("redis", proc)
        add("loadgen", psutil.Process(os.getpid()))
        return result


def with_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)  # the session this harness started for the process


class CpuMeter:
    """CPU time (user+sys) per process group between ``start()`` and ``stop()``;
    a process that appeared meanwhile counts from zero."""

    def __init__(self, cluster: LoadCluster) -> None:
        self.cluster = cluster
        self.before: dict[int, float] = {}
        self.started = 0.0

    @staticmethod
    def _cpu(proc: psutil.Process) -> float:
        times = proc.cpu_times()
        return times.user + times.system

    def start(self) -> None:
        self.before = {}
        for procs in self.cluster.groups().values():
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    self.before[proc.pid] = self._cpu(proc)
        self.machine_before = self._machine_busy()
        self.started = time.monotonic()

    @staticmethod
    def _machine_busy() -> float:
        """CPU seconds the whole machine spent busy (every process, every core)."""
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def stop(self) -> dict[str, Any]:
        seconds: dict[str, float] = {}
        for group, procs in self.cluster.groups().items():
            total = 0.0
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    total += self._cpu(proc) - self.before.get(proc.pid, 0.0)
            seconds[group] = round(max(total, 0.0), 3)
        machine = self._machine_busy() - self.machine_before
        return {
            "wall_s": round(time.monotonic() - self.started, 2),
            "cpu_s": seconds,
            "machine_busy_s": round(machine, 2),  # others' work on the machine included
            "others_s": round(max(machine - sum(seconds.values()), 0.0), 2),
            "cores": psutil.cpu_count(),
        }
