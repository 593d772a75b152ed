"""The cluster of the fault campaign: bench/load's ``LoadCluster`` on its own ports,
databases, Redis db and outbox, with the ledger database reached through a cuttable
TCP proxy (devtools/tcp_proxy.py) while the tracker store talks to PostgreSQL
directly; process lookup by name for the kill scenarios; health checks.

Runs in the load venv (psutil and the standard library).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from bench.load import cluster as load_cluster
from bench.load.cluster import LoadCluster, psql, wait_for_line

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PORTS = {"nginx": 8200, "actions_lb": 5255, "rasa": 5210, "actions": 5260, "console": 8280}
DATABASES = ("sscn_faults", "sscn_faults_tracker")
REDIS_DB = 6  # tests use 1, 7 and 8, the load test 13


def reset_stores() -> None:
    """Drop the campaign's databases (cluster.sh recreates them) and empty its Redis db."""
    for name in DATABASES:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (local)
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class FaultCluster(LoadCluster):
    """``LoadCluster`` with the campaign's ports and stores and the ledger proxy."""

    def __init__(
        self,
        run_dir: Path,
        n_rasa: int = 2,
        n_actions: int = 2,
        source: Path | None = None,
        outbox_retry_seconds: float = 30,
        claim_seconds: float | None = None,
    ) -> None:
        super().__init__(n_rasa, run_dir, n_actions=n_actions, ports=PORTS, source=source)
        self.outbox_retry_seconds = outbox_retry_seconds
        self.claim_seconds = claim_seconds
        self.proxy: subprocess.Popen | None = None
        self.proxy_port = 0

    @property
    def outbox_dir(self) -> Path:
        return self.run_dir / "var" / "outbox"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "var" / "cluster" / "log"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            SSCN_DATABASE_URL=(
                f"postgresql+psycopg2://postgres@127.0.0.1:{self.proxy_port}/{DATABASES[0]}"
            ),
            SSCN_TRACKER_DB=DATABASES[1],
            SSCN_TRACKER_HOST="127.0.0.1",
            SSCN_TRACKER_PORT="5432",
            SSCN_REDIS_DB=str(REDIS_DB),
            SSCN_OUTBOX_DIR=str(self.outbox_dir),
            SSCN_OUTBOX_RETRY_SECONDS=str(self.outbox_retry_seconds),
        )
        if self.claim_seconds is not None:
            env["SSCN_MESSAGE_CLAIM_SECONDS"] = str(self.claim_seconds)
        return env

    # --- lifecycle --------------------------------------------------------------------

    def start(self, timeout: float = 300) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.outbox_dir.exists():
            shutil.rmtree(self.outbox_dir)
        if self.proxy is None or self.proxy.poll() is not None:
            self.proxy = self._spawn(
                "ledger_proxy",
                [sys.executable, "-m", "devtools.tcp_proxy"],
                {"PATH": "/usr/bin:/bin"},
            )
            log = self.run_dir / "ledger_proxy.log"
            if not wait_for_line(log, "port=", 20, lambda: self.proxy.poll() is None):
                raise RuntimeError(f"the ledger proxy did not start: {log}")
            line = next(x for x in log.read_text().splitlines() if x.startswith("port="))
            self.proxy_port = int(line.split("=", 1)[1])
        # LoadCluster.start resets bench/load's own stores (sscn_load*, Redis db 13),
        # which a load test may be using right now: ours instead, for this call only.
        if not callable(getattr(load_cluster, "reset_stores", None)):
            raise RuntimeError("bench/load/cluster.py has no reset_stores() to redirect")
        original = load_cluster.reset_stores
        load_cluster.reset_stores = reset_stores
        try:
            super().start(timeout)
        finally:
            load_cluster.reset_stores = original

    def stop(self, timeout: float = 60) -> bool:
        cluster = self.procs.get("cluster")
        if cluster is not None and cluster.poll() is None:
            # SIGTERM first: cluster.sh traps it like SIGINT, and a shell started with
            # SIGINT ignored (from a background job) cannot trap SIGINT at all.
            cluster.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                cluster.wait(timeout)
        clean = super().stop(timeout)
        proxy = self.procs.pop("ledger_proxy", None)
        if proxy is not None and proxy.poll() is None:
            proxy.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proxy.wait(10)
        self.proxy = None
        return clean

    def running(self) -> bool:
        cluster = self.procs.get("cluster")
        return cluster is not None and cluster.poll() is None

    # --- the ledger proxy -------------------------------------------------------------

    def cut_ledger(self) -> None:
        assert self.proxy is not None
        self.proxy.send_signal(signal.SIGUSR1)

    def restore_ledger(self) -> None:
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGUSR2)

    # --- processes --------------------------------------------------------------------

    def manager(self) -> str:
        """The process manager cluster.sh runs: "supervisord", "honcho" or "?"."""
        cluster = self.procs.get("cluster")
        if cluster is None or cluster.poll() is not None:
            return "none"
        with contextlib.suppress(psutil.Error):
            for proc in psutil.Process(cluster.pid).children(recursive=True):
                line = " ".join(proc.cmdline())
                if "supervisord" in line:
                    return "supervisord"
                if "honcho" in line:
                    return "honcho"
        return "?"

    def python_pids(self, group: str) -> list[int]:
        """PIDs of the Python processes of ``group`` (rasa1, actions2, console), not of a
        shell wrapping them."""
        pids = []
        for proc in self.groups().get(group, []):
            with contextlib.suppress(psutil.Error):
                if "python" in Path(proc.cmdline()[0]).name and proc.status() != "zombie":
                    pids.append(proc.pid)
        return pids

    def health_url(self, group: str) -> str:
        kind = group.rstrip("0123456789")
        index = int(group[len(kind) :] or 1) - 1
        if kind == "rasa":
            return f"http://127.0.0.1:{self.ports['rasa'] + index}/"
        if kind == "actions":
            return f"http://127.0.0.1:{self.ports['actions'] + index}/health"
        if kind == "console":
            return f"http://127.0.0.1:{self.ports['console']}/health"
        return f"{self.nginx_url}/"

    def all_groups(self) -> list[str]:
        return [
            *(f"rasa{i + 1}" for i in range(self.n_rasa)),
            *(f"actions{i + 1}" for i in range(self.n_actions)),
            "console",
            "nginx",
        ]

    def healthy(self) -> dict[str, bool]:
        return {group: http_ok(self.health_url(group)) for group in self.all_groups()}

    def wait_healthy(self, timeout: float = 180) -> float | None:
        """Seconds until every process answers (None: not within ``timeout``)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.running() and all(self.healthy().values()):
                return round(time.monotonic() - started, 2)
            time.sleep(0.5)
        return None

    def logs(self) -> list[Path]:
        """Every log the cluster's processes wrote (one file under honcho, one per
        process under supervisord)."""
        found = [self.run_dir / "cluster.log"]
        if self.log_dir.is_dir():
            found += sorted(self.log_dir.glob("*.log"))
        return [path for path in found if path.exists()]

    def log_sizes(self) -> dict[str, int]:
        return {str(path): path.stat().st_size for path in self.logs()}

    def log_lines_since(self, sizes: dict[str, int], pattern: Any, limit: int = 20) -> dict:
        """Lines matching ``pattern`` (a compiled regex) written after ``sizes``."""
        hits: dict[str, Any] = {}
        for path in self.logs():
            with open(path, "rb") as handle:
                handle.seek(sizes.get(str(path), 0))
                text = handle.read().decode(errors="replace")
            lines = [line for line in text.splitlines() if pattern.search(line)]
            if lines:
                hits[path.name] = {"count": len(lines), "first": lines[:limit]}
        return hits

    def ledger_sql(self, sql: str) -> list[list[str]]:
        """Rows of a query on the ledger database (directly, not through the proxy)."""
        done = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASES[0], "-qAt", "-F", "\t"]
            + ["-c", sql],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        return [line.split("\t") for line in done.stdout.splitlines() if line]
