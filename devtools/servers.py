"""Train a model and run real Rasa and action servers on free local ports (the tests' and
`make bench`'s bot; needs the product's venv)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from bot.kb.nlu_export import export_directory
from bot.ledger.migrate import upgrade
from bot.rasa_auth import api_headers
from devtools.net import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LEDGER_KEY = Fernet.generate_key().decode()
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", PROJECT_ROOT / ".venv")) / "bin"


def train_model(out_dir: Path) -> Path:
    """Train the project's model as `make train` does (small and fast: a logistic regression)."""
    subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "train",
            "--data",
            "nlu_data",
            str(export_kb_questions(out_dir)),
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--out",
            str(out_dir),
            "--fixed-model-name",
            "test",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=900,
    )
    return out_dir / "test.tar.gz"


def export_kb_questions(out_dir: Path) -> Path:
    """The knowledge base's phrasings as training data, as `make train` writes them."""
    out = out_dir / "kb-questions.yml"
    export_directory(PROJECT_ROOT / "knowledge_base", PROJECT_ROOT / "nlu_data", out)
    return out


def wait_until_up(
    url: str,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
    timeout: float = 180,
) -> None:
    """Wait until ``url`` answers a GET with a 2xx; raise if it does not within ``timeout``
    or if ``process`` (the server behind it) exits first, with the tail of its ``log``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url} exited early{_tail(log)}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up{_tail(log)}")


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text()[-3000:]}" if log else ""


@dataclass
class RunningBot:
    rasa_urls: list[str]
    actions_url: str
    token: str  # the JWT secret of Rasa's HTTP API (SSCN_RASA_AUTH_TOKEN)
    kb_dir: Path
    processes: list[subprocess.Popen]
    env: dict[str, str]

    def sscn(self, *args: str) -> subprocess.CompletedProcess:
        """Run the staff CLI against this bot's ledger."""
        return subprocess.run(
            [str(VENV_BIN / "sscn"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    @property
    def rasa_url(self) -> str:
        return self.rasa_urls[0]

    def say(self, sender: str, message, instance: int = 0, **extra) -> requests.Response:
        return requests.post(
            f"{self.rasa_urls[instance]}/webhooks/rest/webhook",
            json={"sender": sender, "message": message, **extra},
            timeout=30,
        )

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            headers=self.api_headers(),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def api_headers(self) -> dict[str, str]:
        """Authorization for Rasa's HTTP API, as the console and pollers send it."""
        return api_headers(self.token)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _spawn(module: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``python -m module``, as deploy/supervisord.conf starts our servers."""
    return subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", module],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_bot(
    model: Path,
    work_dir: Path,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    endpoints: str = "endpoints.yml",
    rasa_instances: int = 1,
) -> RunningBot:
    """Start an action server and Rasa server(s) with a private knowledge base, ledger
    and tracker store.

    The ledger is migrated first (a SQLite file in ``work_dir`` unless ``database_url``).
    Several Rasa instances make sense only with shared stores (``deploy/`` endpoints);
    ``RunningBot.say`` picks one with ``instance``.
    """
    kb_dir = work_dir / "knowledge_base"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", kb_dir, dirs_exist_ok=True)
    database_url = database_url or f"sqlite:///{work_dir / 'ledger.db'}"
    upgrade(database_url)
    actions_port = free_port()
    rasa_ports = [free_port() for _ in range(rasa_instances)]
    token = secrets.token_hex(16)
    env = {
        **os.environ,
        "SSCN_KB_DIR": str(kb_dir),
        "SSCN_ACTIONS_PORT": str(actions_port),
        "SSCN_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "SSCN_ACTION_TOKEN": secrets.token_hex(16),
        "SSCN_RASA_AUTH_TOKEN": token,
        "SSCN_REST_CHANNEL": "1",
        "SSCN_WEBCHAT_SECRET": secrets.token_hex(16),
        "SSCN_MODEL": str(model),
        "SSCN_ENDPOINTS": endpoints,
        "SSCN_CREDENTIALS": "credentials.yml",
        "SSCN_TRACKER_DB": str(work_dir / "tracker.db"),
        "SSCN_DATABASE_URL": database_url,
        "SSCN_OUTBOX_DIR": str(work_dir / "outbox"),
        "SSCN_LEDGER_KEY": LEDGER_KEY,
        **(extra_env or {}),
    }
    actions_log = work_dir / "actions.log"
    actions = _spawn("actions.server", env, actions_log)
    rasa_logs = [work_dir / f"rasa-{port}.log" for port in rasa_ports]
    rasas = [
        _spawn("channels.rasa_server", {**env, "SSCN_RASA_PORT": str(port)}, log)
        for port, log in zip(rasa_ports, rasa_logs, strict=True)
    ]
    bot = RunningBot(
        [f"http://127.0.0.1:{port}" for port in rasa_ports],
        f"http://127.0.0.1:{actions_port}",
        token,
        kb_dir,
        [actions, *rasas],
        env,
    )
    try:
        wait_until_up(f"{bot.actions_url}/health", actions, actions_log)
        for url, rasa, log in zip(bot.rasa_urls, rasas, rasa_logs, strict=True):
            wait_until_up(f"{url}/", rasa, log)
    except Exception:
        bot.stop()
        raise
    return bot
