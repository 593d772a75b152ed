"""The six faults, each injected at a fixed time into a fixed load (bench/faults/run.py).

A scenario's ``inject`` runs in its own greenlet at ``fault_at`` seconds into the load;
it notes what it did and saw in ``facts`` (times are epoch seconds; ``fault_at`` and
``fault_end`` bound the fault). Anything that takes a shared service down (PostgreSQL,
Redis, the ledger proxy) brings it back in a ``finally``, and ``ensure_restored`` does
it once more after the scenario, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import gevent
import gevent.event
import requests

from bench.faults.analysis import ANNOUNCED_MARK, FILED_MARK, QUEUED_MARK
from bench.faults.cluster import FaultCluster, http_ok
from bench.load.messages import conversation, form_step

PG_CLUSTER = ("15", "main")
REDIS_KEEP = (  # what `redis-server` is started with again (read from the running one)
    "port",
    "bind",
    "protected-mode",
    "daemonize",
    "save",
    "appendonly",
    "dir",
    "logfile",
    "pidfile",
    "loglevel",
    "databases",
    "maxmemory",
)


class Scenario:
    name = ""
    title = ""
    needs_restarting_manager = False  # a killed process must come back by itself
    drain_cap = 60.0  # longest wait after the load for replies to every accepted turn

    def __init__(self, cluster: FaultCluster) -> None:
        self.cluster = cluster
        self.facts: dict[str, Any] = {}

    def prepare(self) -> None:
        """Before the load starts."""

    def inject(self) -> None:
        raise NotImplementedError

    def after(self) -> None:
        """After the load and the drain: checks that need the cluster."""

    def ensure_restored(self) -> None:
        """Bring back whatever the scenario took down (idempotent)."""

    def recovered(self) -> bool:
        return bool(self.facts.get("fault_end"))


def wait_until(check: Any, timeout: float, step: float = 0.25) -> float | None:
    started = time.time()
    while time.time() - started < timeout:
        if check():
            return round(time.time() - started, 2)
        gevent.sleep(step)
    return None


# --- 1, 2, 5: kill -9 of a process --------------------------------------------------------


class KillProcess(Scenario):
    needs_restarting_manager = True
    group = ""

    def inject(self) -> None:
        pids = self.cluster.python_pids(self.group)
        if not pids:
            self.facts["error"] = f"no process found for {self.group}"
            return
        old = pids[0]
        self.facts.update(group=self.group, killed_pid=old, fault_at=time.time())
        os.kill(old, signal.SIGKILL)
        self.watch_restart(old)

    def watch_restart(self, old: int, timeout: float = 240) -> None:
        started = self.facts["fault_at"]
        url = self.cluster.health_url(self.group)
        while time.time() - started < timeout:
            if not self.cluster.running():
                self.facts["cluster_stopped"] = True  # honcho stops everything
                self.facts["cluster_stopped_after_s"] = round(time.time() - started, 2)
                return
            new = [pid for pid in self.cluster.python_pids(self.group) if pid != old]
            if new and "new_pid" not in self.facts:
                self.facts["new_pid"] = new[0]
                self.facts["new_pid_after_s"] = round(time.time() - started, 2)
            if new and http_ok(url, timeout=1.0):
                self.facts["serving_after_s"] = round(time.time() - started, 2)
                self.facts["fault_end"] = time.time()
                return
            gevent.sleep(0.3)
        self.facts["restart_timeout_s"] = timeout

    def recovered(self) -> bool:
        return bool(self.facts.get("new_pid")) and bool(self.facts.get("fault_end"))


class KillRasa(KillProcess):
    name = "kill_rasa"
    title = "kill -9 of one Rasa instance (rasa1)"
    group = "rasa1"
    drain_cap = 170.0  # a killed handler's Telegram/X claim expires after 120 s


class KillActions(KillProcess):
    name = "kill_actions"
    title = "kill -9 of one action server (actions1)"
    group = "actions1"

    def after(self) -> None:
        self.facts["doubled_cases"] = doubled_cases(self.cluster)


class KillConsole(KillProcess):
    name = "kill_console"
    title = "kill -9 of the console; an agent logged in before stays logged in"
    group = "console"

    def prepare(self) -> None:
        self.username = f"faults_{secrets.token_hex(3)}"
        self.password = secrets.token_urlsafe(18)
        env = self.cluster.env()
        done = subprocess.run(
            [str(self.cluster.source / ".venv" / "bin" / "sscn"), "agents", "add"]
            + [self.username, "--role", "agent", "--password-stdin"],
            input=self.password + "\n",
            cwd=self.cluster.source,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.facts["agent_added"] = done.returncode == 0
        if done.returncode != 0:
            self.facts["agent_add_error"] = (done.stderr or done.stdout)[-500:]
        self.base = f"http://127.0.0.1:{self.cluster.ports['console']}"
        self.agent = requests.Session()
        page = self.agent.get(f"{self.base}/masuk", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        answer = self.agent.post(
            f"{self.base}/masuk",
            data={
                "csrf_token": token.group(1) if token else "",
                "username": self.username,
                "password": self.password,
            },
            allow_redirects=False,
            timeout=30,
        )
        self.facts["login_status"] = answer.status_code
        self.facts["session_cookie"] = "sscn_session" in self.agent.cookies
        self.facts["logged_in_before"] = self.logged_in()
        self.polls: list[tuple[float, int]] = []
        self.poller = gevent.spawn(self.poll)

    def logged_in(self) -> bool:
        try:
            answer = self.agent.get(f"{self.base}/api/antrean", timeout=5, allow_redirects=False)
        except requests.RequestException:
            return False
        return answer.status_code == 200

    def poll(self) -> None:
        """The agent's queue page refreshing every second, as the console's does."""
        while True:
            try:
                answer = self.agent.get(
                    f"{self.base}/api/antrean", timeout=5, allow_redirects=False
                )
                status = answer.status_code
            except requests.RequestException:
                status = 0
            self.polls.append((time.time(), status))
            gevent.sleep(1.0)

    def after(self) -> None:
        self.poller.kill()
        self.facts["logged_in_after"] = self.logged_in()
        start = self.facts.get("fault_at", 0)
        failed = [(at, status) for at, status in self.polls if status != 200]
        self.facts["agent_polls"] = len(self.polls)
        self.facts["agent_polls_failed"] = len(failed)
        self.facts["agent_poll_statuses_failed"] = sorted({status for _, status in failed})
        ok_after = [at for at, status in self.polls if status == 200 and at > start]
        if failed and ok_after:
            self.facts["agent_back_after_s"] = round(ok_after[0] - start, 2)
        if self.facts.get("logged_in_after"):
            self.facts["still_logged_in"] = True

    def recovered(self) -> bool:
        return super().recovered() and bool(self.facts.get("logged_in_after"))


# --- 3: PostgreSQL restarted ------------------------------------------------------------


def postgres_running() -> bool:
    done = subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "status"], capture_output=True)
    return done.returncode == 0


def postgres_answers() -> bool:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qAt", "-c", "SELECT 1"],
        capture_output=True,
        text=True,
    )
    return done.returncode == 0 and done.stdout.strip() == "1"


class RestartPostgres(Scenario):
    name = "restart_postgres"
    title = "restart of PostgreSQL (pg_ctlcluster 15 main restart)"

    def inject(self) -> None:
        self.facts["fault_at"] = time.time()
        try:
            done = subprocess.run(
                ["pg_ctlcluster", *PG_CLUSTER, "restart"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.facts["restart_rc"] = done.returncode
            if done.returncode != 0:
                self.facts["restart_output"] = (done.stderr or done.stdout)[-500:]
        finally:
            self.ensure_restored()
        self.facts["restart_s"] = round(time.time() - self.facts["fault_at"], 2)
        if postgres_answers():
            self.facts["fault_end"] = time.time()

    def ensure_restored(self) -> None:
        if not postgres_running():
            subprocess.run(
                ["pg_ctlcluster", *PG_CLUSTER, "start"], capture_output=True, timeout=120
            )
        wait_until(postgres_answers, 60, 0.5)


# --- 4: Redis stopped for 30 s ------------------------------------------------------------


def redis_cli(*args: str, strip: bool = True) -> str:
    done = subprocess.run(["redis-cli", *args], capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        return ""
    return done.stdout.strip() if strip else done.stdout


def redis_answers() -> bool:
    return redis_cli("PING") == "PONG"


def redis_config() -> dict[str, str]:
    """The running server's settings of ``REDIS_KEEP`` (an empty value, as ``save ""``
    for no persistence, kept as such)."""
    values = {}
    for key in REDIS_KEEP:
        lines = redis_cli("CONFIG", "GET", key, strip=False).split("\n")
        if len(lines) >= 2 and lines[0] == key:
            values[key] = lines[1]
    return values


def redis_argv(config: dict[str, str]) -> list[str]:
    """``redis-server`` with the running server's settings (it has no config file;
    the process title hides its real argv)."""
    argv = ["redis-server"]
    for key, value in config.items():
        argv.append(f"--{key}")
        argv += value.split() if key == "bind" else [value]
    return argv


class StopRedis(Scenario):
    name = "stop_redis"
    title = "Redis stopped for 30 s (shutdown nosave, started again as it ran)"
    outage = 30.0

    def prepare(self) -> None:
        info = redis_cli("INFO", "server")
        pid = re.search(r"process_id:(\d+)", info)
        self.pid = int(pid.group(1)) if pid else None
        if self.pid:
            ps = subprocess.run(
                ["ps", "-o", "args=", "-p", str(self.pid)], capture_output=True, text=True
            )
            self.facts["ps_args"] = ps.stdout.strip()
            with contextlib.suppress(OSError):
                self.cwd = os.readlink(f"/proc/{self.pid}/cwd")
        self.config = redis_config()
        if not self.config.get("port") or "save" not in self.config or not self.pid:
            raise RuntimeError("cannot read the running Redis' settings: not stopping it")
        self.facts["config_before"] = self.config
        self.facts["restart_argv"] = redis_argv(self.config)
        self.cwd = getattr(self, "cwd", self.config.get("dir") or "/")

    def inject(self) -> None:
        self.facts["fault_at"] = time.time()
        try:
            redis_cli("SHUTDOWN", "NOSAVE")
            self.facts["down_after_s"] = wait_until(lambda: not redis_answers(), 10)
            gevent.sleep(max(self.outage - (time.time() - self.facts["fault_at"]), 0))
        finally:
            self.ensure_restored()
        self.facts["fault_end"] = time.time()
        self.facts["outage_s"] = round(self.facts["fault_end"] - self.facts["fault_at"], 2)
        self.facts["ping_after"] = redis_answers()
        after = redis_config()
        self.facts["config_after_identical"] = after == self.config
        if after != self.config:
            self.facts["config_after"] = after
            for key, value in self.config.items():  # never leave it running otherwise
                if after.get(key) != value:
                    redis_cli("CONFIG", "SET", key, value)
            self.facts["config_set_back"] = redis_config() == self.config

    def ensure_restored(self) -> None:
        if redis_answers():
            return
        subprocess.run(
            redis_argv(self.config), cwd=self.cwd, capture_output=True, timeout=30, check=False
        )
        wait_until(redis_answers, 20)


# --- 6: the ledger database unreachable for 30 s ----------------------------------------


class CutLedger(Scenario):
    name = "cut_ledger"
    title = "ledger database unreachable for 30 s while complaints are filed (tracker store up)"
    outage = 30.0
    probes = 3
    drain_cap = 90.0

    def prepare(self) -> None:
        self.outbox_seen = 0
        self.outbox_done: gevent.event.Event = gevent.event.Event()
        self.probe_results: list[dict[str, Any]] = []

    def inject(self) -> None:
        self.facts["fault_at"] = time.time()
        watcher = gevent.spawn(self.watch_outbox)
        probes: list[gevent.Greenlet] = []
        try:
            self.cluster.cut_ledger()
            gevent.sleep(2)
            probes += [gevent.spawn(self.probe, index) for index in range(self.probes)]
            gevent.sleep(max(self.outage - (time.time() - self.facts["fault_at"]), 0))
        finally:
            self.ensure_restored()
        self.facts["fault_end"] = time.time()
        gevent.joinall(probes + [watcher], timeout=self.cluster.outbox_retry_seconds * 2 + 90)

    def ensure_restored(self) -> None:
        self.cluster.restore_ledger()

    def outbox_items(self) -> int:
        directory = self.cluster.outbox_dir
        return len(list(directory.glob("*.json"))) if directory.is_dir() else 0

    def watch_outbox(self) -> None:
        """Largest number of filings waiting; when the outbox emptied after the cut."""
        deadline = time.time() + self.outage + self.cluster.outbox_retry_seconds * 2 + 60
        while time.time() < deadline:
            items = self.outbox_items()
            self.outbox_seen = max(self.outbox_seen, items)
            self.facts["outbox_max"] = self.outbox_seen
            end = self.facts.get("fault_end")
            if end and items == 0 and self.outbox_seen > 0:
                self.facts["outbox_empty_after_restore_s"] = round(time.time() - end, 2)
                break
            gevent.sleep(0.5)
        self.outbox_done.set()

    def probe(self, index: int) -> None:
        """An applicant filing a complaint over REST during the cut, then writing again
        once the outbox has emptied by itself."""
        import random

        sender = f"faults-probe-{index}-{uuid.uuid4().hex[:8]}"
        result: dict[str, Any] = {"sender": sender, "turns": []}
        self.probe_results.append(result)
        rng = random.Random(1400 + index)
        script = conversation(rng, "complaint", True)
        asked_for_a_person = False
        try:
            message: str | None = next(script)
            for _ in range(8):
                replies = self.rest_turn(sender, message, result)
                texts = " ".join(r.text for r in replies)
                if QUEUED_MARK in texts:
                    result["queued_at"] = time.time()
                    break
                if FILED_MARK in texts:
                    result["filed_at_once"] = True
                    break
                message = form_step(rng, replies, True)
                if message is None and not asked_for_a_person:
                    # The bot offered an answer instead of the form: ask for a person,
                    # which files the complaint (the intake form) too.
                    message, asked_for_a_person = "mau bicara sama petugas", True
                if message is None:
                    break
        except StopIteration:
            pass
        if "queued_at" not in result:
            return
        self.outbox_done.wait(timeout=self.outage + self.cluster.outbox_retry_seconds * 2 + 60)
        result["outbox_empty_before_next_turn"] = self.outbox_items() == 0
        replies = self.rest_turn(sender, "makasih min", result)
        announced = [r.text for r in replies if ANNOUNCED_MARK in r.text]
        result["announced"] = announced[0] if announced else None
        ticket = re.search(r"SSCN-\d{4}-\d+", announced[0]) if announced else None
        result["ticket"] = ticket.group(0) if ticket else None

    def rest_turn(self, sender: str, text: str, result: dict[str, Any]) -> list[Any]:
        from bench.load.accounting import Reply

        for _ in range(6):  # a 503 asks the applicant to send again
            try:
                answer = requests.post(
                    f"{self.cluster.nginx_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    headers={"Authorization": f"Bearer {self.cluster.rest_token}"},
                    timeout=60,
                )
            except requests.RequestException as error:
                result["turns"].append({"text": text, "status": type(error).__name__})
                gevent.sleep(5)
                continue
            body = (
                answer.json()
                if answer.headers.get("content-type", "").startswith("application/json")
                else []
            )
            replies = [
                Reply(
                    "rest",
                    sender,
                    time.time(),
                    m.get("text") or "",
                    buttons=[b.get("payload", "") for b in m.get("buttons") or []],
                )
                for m in body
            ]
            result["turns"].append(
                {
                    "text": text,
                    "status": answer.status_code,
                    "replies": [r.text[:160] for r in replies],
                }
            )
            if answer.ok:
                return replies
            gevent.sleep(float(answer.headers.get("Retry-After") or 5))
        return []

    def after(self) -> None:
        probes = self.probe_results
        self.facts["probes"] = probes
        senders = [p["sender"] for p in probes]
        in_ledger = {}
        with contextlib.suppress(RuntimeError):
            for sender in senders:
                rows = self.cluster.ledger_sql(
                    "SELECT ticket FROM cases WHERE conversation_id = 'rest:" + sender + "'"
                )
                in_ledger[sender] = [row[0] for row in rows]
        self.facts["probe_cases_in_ledger"] = in_ledger
        self.facts["doubled_cases"] = doubled_cases(self.cluster)
        self.facts["outbox_left"] = self.outbox_items()
        queued = [p for p in probes if p.get("queued_at")]
        self.facts["probes_queued"] = len(queued)
        self.facts["probes_announced"] = sum(1 for p in queued if p.get("ticket"))
        self.facts["probes_ticket_matches_ledger"] = sum(
            1 for p in queued if p.get("ticket") and p["ticket"] in in_ledger.get(p["sender"], [])
        )

    def recovered(self) -> bool:
        queued = self.facts.get("probes_queued", 0)
        return (
            bool(self.facts.get("fault_end"))
            and self.facts.get("outbox_left", 1) == 0
            and queued > 0
            and self.facts.get("probes_ticket_matches_ledger") == queued
        )


def doubled_cases(cluster: FaultCluster) -> list[list[str]]:
    """Cases filed twice: one conversation, the same description, more than one ticket."""
    with contextlib.suppress(RuntimeError):
        return cluster.ledger_sql(
            "SELECT conversation_id, count(*), string_agg(ticket, ',') FROM cases "
            "GROUP BY conversation_id, description HAVING count(*) > 1"
        )
    return [["query failed"]]


SCENARIOS = [KillRasa, KillActions, RestartPostgres, StopRedis, KillConsole, CutLedger]
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
ORDER = {scenario.name: index + 1 for index, scenario in enumerate(SCENARIOS)}


def describe() -> list[tuple[int, str, str]]:
    return [(ORDER[s.name], s.name, s.title) for s in SCENARIOS]


__all__ = ["SCENARIOS", "BY_NAME", "Scenario", "Path"]
