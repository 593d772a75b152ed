"""The yardstick for speed: a stock Rasa 3.6 bot, built and measured beside ours.

The peer is Rasa's own starter project (``rasa init``'s files: its default
pipeline and policies), with one rule per intent calling one SDK custom action
that replies with a text. It is trained, served (``rasa run`` + ``rasa run
actions``) and measured by the same code on the same machine in the same run as
ours, so the ratios compare stacks, not machines.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import rasa.cli
import requests
import yaml

from devtools.net import free_port
from devtools.servers import VENV_BIN

INITIAL_PROJECT = Path(rasa.cli.__file__).parent / "initial_project"
PEER_MESSAGES = ("hello there", "I am sad", "goodbye", "are you a bot?", "yes", "very good")
ACTION = """from rasa_sdk import Action


class ActionReply(Action):
    def name(self):
        return "action_reply"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Thanks, noted.")
        return []
"""


def build(directory: Path) -> Path:
    """Write the peer project into ``directory`` and train it; returns the model."""
    shutil.copytree(INITIAL_PROJECT, directory, ignore=shutil.ignore_patterns("__pycache__"))
    domain = yaml.safe_load((directory / "domain.yml").read_text())
    domain["actions"] = ["action_reply"]
    (directory / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False))
    rules = [
        {"rule": f"reply to {intent}", "steps": [{"intent": intent}, {"action": "action_reply"}]}
        for intent in domain["intents"]
    ]
    (directory / "data" / "rules.yml").write_text(
        yaml.safe_dump({"version": "3.1", "rules": rules}, sort_keys=False)
    )
    (directory / "data" / "stories.yml").write_text('version: "3.1"\nstories: []\n')
    shutil.rmtree(directory / "tests", ignore_errors=True)
    (directory / "actions" / "actions.py").write_text(ACTION)
    subprocess.run(
        [str(VENV_BIN / "rasa"), "train", "--out", "models", "--fixed-model-name", "peer"],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=1800,
    )
    return directory / "models" / "peer.tar.gz"


def rest_turn(session: requests.Session, base_url: str) -> Callable[[str, str], None]:
    """One REST turn on the bot at ``base_url``: how ours and the peer are measured."""

    def send(sender: str, text: str) -> None:
        response = session.post(
            f"{base_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=30,
        )
        response.raise_for_status()

    return send


class Peer:
    """The peer's Rasa server and action server, on free loopback ports."""

    def __init__(self, directory: Path, model: Path) -> None:
        actions_port, rasa_port = free_port(), free_port()
        (directory / "endpoints.yml").write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
        )
        self.url = f"http://127.0.0.1:{rasa_port}"
        logs = directory / "logs"
        logs.mkdir(exist_ok=True)
        self.processes = [
            subprocess.Popen(
                [str(VENV_BIN / "rasa"), "run", "actions", "--port", str(actions_port)],
                cwd=directory,
                stdout=(logs / "actions.log").open("w"),
                stderr=subprocess.STDOUT,
            ),
            subprocess.Popen(
                [
                    str(VENV_BIN / "rasa"),
                    "run",
                    "--model",
                    str(model),
                    "--endpoints",
                    "endpoints.yml",
                    "--credentials",
                    "credentials.yml",
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(rasa_port),
                ],
                cwd=directory,
                stdout=(logs / "rasa.log").open("w"),
                stderr=subprocess.STDOUT,
            ),
        ]
        self._wait_until_up(logs)

    def _wait_until_up(self, logs: Path, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                break
            try:
                if requests.post(
                    f"{self.url}/webhooks/rest/webhook",
                    json={"sender": "warm-up", "message": "hello"},
                    timeout=10,
                ).json():
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"the stock Rasa peer did not start; see {logs}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
