"""``make run``'s process manager: everything on loopback, private files, a server that
dies is restarted and named, Ctrl-C leaves nothing behind (issue 12: 2, 3, 6)."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest
import requests

from devtools.net import free_port, loopback_only
from devtools.servers import wait_until_up
from tests.support.scripts import RunScript, script_env

pytestmark = pytest.mark.integration


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def run_script(trained_model, tmp_path):
    ports = {name: free_port() for name in ("rasa", "actions", "console")}
    env = script_env(
        tmp_path,
        trained_model,
        SSCN_DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'ledger.db'}",
        SSCN_TRACKER_DB=str(tmp_path / "var" / "tracker.db"),
        SSCN_RASA_PORT=str(ports["rasa"]),
        SSCN_ACTIONS_PORT=str(ports["actions"]),
        SSCN_CONSOLE_PORT=str(ports["console"]),
    )
    script = RunScript(env)
    script.ports = ports
    try:
        script.wait_for_line("SSCN Helpdesk is running")
        yield script
    finally:
        script.stop()


def test_make_run_restarts_what_dies_and_stops_everything(run_script, tmp_path):
    ports = run_script.ports
    rasa = f"http://127.0.0.1:{ports['rasa']}"
    for port in ports.values():
        assert loopback_only(port), port

    var = tmp_path / "var"
    for path in [var / "ledger.db", var / "tracker.db", *(var / "log").glob("*.log")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(var.stat().st_mode) == 0o700

    actions = run_script.pid("actions")
    os.kill(actions, signal.SIGKILL)
    line = run_script.wait_for_line("exited: actions")
    assert "not expected" in run_script.lines[line]
    run_script.wait_for_line("success: actions entered RUNNING", after=line)
    wait_until_up(f"http://127.0.0.1:{ports['actions']}/health")
    reply = requests.post(
        f"{rasa}/webhooks/rest/webhook",
        json={"sender": "after-restart", "message": "halo min"},
        timeout=60,
    )
    assert reply.ok and reply.json(), reply.text

    rasa_pid = run_script.pid("rasa")
    os.kill(rasa_pid, signal.SIGKILL)
    line = run_script.wait_for_line("exited: rasa")
    wait_until_up(f"{rasa}/")
    assert run_script.pid("rasa") != rasa_pid

    # The daily jobs ran at start (no run for today yet) and logged it.
    deadline = time.monotonic() + 60
    daily_log = var / "log" / "daily.log"
    while "Daily job suggestions" not in daily_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "Daily job suggestions" in daily_log.read_text()

    children = [run_script.pid(name) for name in ("actions", "rasa", "console", "daily")]
    os.killpg(run_script.process.pid, signal.SIGINT)
    run_script.process.wait(timeout=60)
    run_script.wait_for_line("Stopped.", timeout=5)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in children)
