"""The action server answers Rasa only: loopback, shared secret, no request echoed."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.models import Case
from devtools.net import free_port, loopback_only
from devtools.servers import PROJECT_ROOT, VENV_BIN

TOKEN = "action-secret-for-tests"


def file_case_call(sender: str) -> dict:
    """What Rasa would post to run ``action_file_case`` for ``sender``."""
    slots = {
        "case_description": "akun saya terkunci sejak kemarin tolong dibantu",
        "case_topic": "login_password",
        "case_kind": "complaint",
        "registration_number": None,
    }
    return {
        "next_action": "action_file_case",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "x", "intent": {}, "entities": [], "metadata": {}},
            "events": [],
            "latest_input_channel": "telegram",
            "active_loop": {},
            "latest_action_name": "case_form",
            "paused": False,
            "followup_action": None,
        },
    }


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = {
        **os.environ,
        "SSCN_ACTIONS_PORT": str(port),
        "SSCN_ACTION_TOKEN": TOKEN,
        "SSCN_DATABASE_URL": f"sqlite:///{work / 'ledger.db'}",
        "SSCN_OUTBOX_DIR": str(work / "outbox"),
    }
    subprocess.run([str(VENV_BIN / "sscn"), "db", "upgrade"], env=env, check=True, timeout=60)
    log = (work / "actions.log").open("w")
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "actions.server"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError(Path(log.name).read_text()[-2000:])
    yield url, port, env["SSCN_DATABASE_URL"], Path(log.name)
    process.terminate()
    process.wait(timeout=20)


def cases(url: str) -> int:
    with make_sessionmaker(make_engine(url))() as session:
        return session.execute(select(func.count()).select_from(Case)).scalar_one()


def test_the_knowledge_base_is_fitted_before_the_server_answers(action_server):
    *_, log = action_server
    ready = [line for line in log.read_text().splitlines() if "action server ready" in line]
    assert ready and int(ready[0].split("(")[1].split()[0]) > 50_000  # start-up objects frozen
    assert "Knowledge base loaded" in log.read_text().split("action server ready")[0]


def test_listens_on_loopback_only(action_server):
    _, port, _, _ = action_server
    assert loopback_only(port)


@pytest.mark.parametrize("headers", [{}, {"X-SSCN-Action-Token": "guess"}])
def test_forged_call_is_refused_and_files_nothing(action_server, headers):
    url, _, database, _ = action_server
    forged = requests.post(
        f"{url}/webhook", json=file_case_call("telegram:555"), headers=headers, timeout=10
    )
    assert forged.status_code == 401
    assert "tracker" not in forged.text
    assert cases(database) == 0
    assert requests.get(f"{url}/actions", headers=headers, timeout=10).status_code == 401


def test_rasa_with_the_secret_is_served(action_server):
    url, _, database, _ = action_server
    headers = {"X-SSCN-Action-Token": TOKEN}
    listed = requests.get(f"{url}/actions", headers=headers, timeout=10)
    assert listed.ok and {"name": "action_file_case"} in listed.json()
    filed = requests.post(
        f"{url}/webhook", json=file_case_call("telegram:555"), headers=headers, timeout=30
    )
    assert filed.ok, filed.text
    assert cases(database) == 1


def test_errors_do_not_echo_the_request(action_server):
    url, _, _, _ = action_server
    headers = {"X-SSCN-Action-Token": TOKEN, "Content-Type": "application/json"}
    broken = requests.post(f"{url}/webhook", data=b"{not json", headers=headers, timeout=10)
    assert 400 <= broken.status_code < 500
    call = file_case_call("telegram:555")
    call["tracker"]["slots"]["case_description"] = "rahasia 3174012345678921"
    call["next_action"] = "action_that_does_not_exist"
    unknown = requests.post(f"{url}/webhook", json=call, headers=headers, timeout=10)
    assert unknown.status_code == 404
    assert "rahasia" not in unknown.text
