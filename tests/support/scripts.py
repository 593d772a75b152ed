"""The start scripts (scripts/run.sh, scripts/cluster.sh) run in the background."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet

from devtools.servers import PROJECT_ROOT, VENV_BIN


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
