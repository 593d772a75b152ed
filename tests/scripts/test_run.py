"""``make run``'s process manager: everything on loopback, private files, a server that
dies is restarted and named, Ctrl-C leaves nothing behind (issue 12: 2, 3, 6)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.integration.servers import PROJECT_ROOT, VENV_BIN, free_port
from tests.net import loopback_only

pytestmark = pytest.mark.integration


class RunScript:
    """``scripts/run.sh`` (or ``script``) in the background, its output collected line
    by line."""

    def __init__(self, env: dict[str, str], script: str = "scripts/run.sh") -> None:
        self.env = env
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            ["bash", script],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, fragment: str, timeout: float = 240, after: int = 0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, line in enumerate(self.lines[after:], start=after):
                if fragment in line:
                    return index
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        raise AssertionError(f"no line with {fragment!r}:\n" + "\n".join(self.lines[-40:]))

    def stop(self, timeout: float = 60) -> bool:
        """Ctrl-C the script's process group; False if it had to be killed."""
        if self.process.poll() is not None:
            return True
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return False
        return True

    def pid(self, program: str) -> int:
        answer = subprocess.run(
            [str(VENV_BIN / "supervisorctl"), "-c", "deploy/supervisord.conf", "pid", program],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return int(answer.stdout.strip())


def wait_until_ok(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not come back")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def script_env(tmp_path: Path, model: Path, **values: str) -> dict[str, str]:
    """The environment a start script gets in these tests: this run's model, files
    under ``tmp_path/var``, fresh secrets, the REST channel on, no real channels."""
    env = {
        **os.environ,
        "SSCN_VAR_DIR": str(tmp_path / "var"),
        "SSCN_MODEL": str(model),
        "SSCN_OUTBOX_DIR": str(tmp_path / "var" / "outbox"),
        "SSCN_LEDGER_KEY": Fernet.generate_key().decode(),
        "SSCN_WEBCHAT_SECRET": "webchat-secret-for-tests-0123456789",
        "SSCN_REST_CHANNEL": "1",
        **values,
    }
    for name in ("SSCN_RASA_AUTH_TOKEN", "SSCN_ACTION_TOKEN", "TELEGRAM_TOKEN", "TWITTER_API_KEY"):
        env.pop(name, None)
    return env


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
    wait_until_ok(f"http://127.0.0.1:{ports['actions']}/health")
    reply = requests.post(
        f"{rasa}/webhooks/rest/webhook",
        json={"sender": "after-restart", "message": "halo min"},
        timeout=60,
    )
    assert reply.ok and reply.json(), reply.text

    rasa_pid = run_script.pid("rasa")
    os.kill(rasa_pid, signal.SIGKILL)
    line = run_script.wait_for_line("exited: rasa")
    wait_until_ok(f"{rasa}/")
    assert run_script.pid("rasa") != rasa_pid

    children = [run_script.pid(name) for name in ("actions", "rasa", "console")]
    os.killpg(run_script.process.pid, signal.SIGINT)
    run_script.process.wait(timeout=60)
    run_script.wait_for_line("Stopped.", timeout=5)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in children)
