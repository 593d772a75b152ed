"""``make cluster``: two Rasa instances and two action servers behind nginx, PostgreSQL
and Redis; one conversation across both instances, also while one of them is
killed and restarted by supervisord; Ctrl-C stops everything (issue 14: 1, 4, 7)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.ledger.db import make_engine
from devtools.net import free_port, loopback_only
from devtools.postgres import POSTGRES_URL
from devtools.servers import VENV_BIN
from tests.support.scripts import RunScript, script_env

pytestmark = pytest.mark.integration
REDIS_DB = 8
TOKEN = "rest-token-for-the-cluster-test"


@pytest.fixture
def services_up(postgres_url):
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (make test installs Debian's nginx as root)")
    try:
        redis.Redis(db=REDIS_DB, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable: {error}")
    name = f"sscn_cluster_{uuid.uuid4().hex[:8]}"
    yield name
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for database in (name, f"{name}_tracker"):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()
    redis.Redis(db=REDIS_DB).flushdb()


def supervised_pid(work: Path, program: str) -> int:
    """The PID supervisord gives for ``program`` of the cluster under ``work``."""
    config = work / "var" / "cluster" / "supervisord.conf"
    output = subprocess.run(
        [str(VENV_BIN / "supervisorctl"), "-c", str(config), "pid", program],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    return int(output) if output.isdigit() else 0


def ask(nginx_port: int, sender: str, question: str) -> None:
    """One REST message through nginx; it must be answered."""
    reply = requests.post(
        f"http://127.0.0.1:{nginx_port}/webhooks/rest/webhook",
        json={"sender": sender, "message": question},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert reply.status_code == 200 and reply.json(), reply.text


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def test_one_conversation_across_two_instances_behind_nginx(trained_model, services_up, tmp_path):
    url = make_url(POSTGRES_URL)
    ports = {name: free_port() for name in ("nginx", "actions_lb", "console")}
    first_rasa, first_actions = free_port(), free_port()
    env = script_env(
        tmp_path,
        trained_model,
        SSCN_DATABASE_URL=url.set(database=services_up).render_as_string(False),
        SSCN_TRACKER_HOST=url.host or "127.0.0.1",
        SSCN_TRACKER_PORT=str(url.port or 5432),
        SSCN_TRACKER_USER=url.username or "postgres",
        SSCN_TRACKER_DB=f"{services_up}_tracker",
        SSCN_TRACKER_LOGIN_DB=url.database,
        SSCN_REDIS_DB=str(REDIS_DB),
        SSCN_CLUSTER_PORT=str(ports["nginx"]),
        SSCN_CLUSTER_ACTIONS_LB_PORT=str(ports["actions_lb"]),
        SSCN_CONSOLE_PORT=str(ports["console"]),
        SSCN_CLUSTER_RASA_PORT=str(first_rasa),
        SSCN_CLUSTER_ACTIONS_PORT=str(first_actions),
        SSCN_REST_TOKEN=TOKEN,
    )
    cluster = RunScript(env, "scripts/cluster.sh")
    try:
        cluster.wait_for_line("Press Ctrl-C to stop", timeout=300)
        for port in (*ports.values(), first_rasa, first_rasa + 1, first_actions):
            assert loopback_only(port), port
        sender = f"cluster-{uuid.uuid4().hex[:8]}"
        questions = ["lupa password sscasn gimana", "batas usia cpns berapa"] * 3
        for question in questions:
            ask(ports["nginx"], sender, question)
        # kill -9 one instance: nginx sends everything to the other, supervisord restarts it.
        killed = supervised_pid(tmp_path, "rasa1")
        os.kill(killed, signal.SIGKILL)
        for question in questions[:2]:
            ask(ports["nginx"], sender, question)
        deadline = time.monotonic() + 180
        while not _answers(f"http://127.0.0.1:{first_rasa}/"):
            assert time.monotonic() < deadline, "the killed instance was not restarted"
            time.sleep(1)
        assert supervised_pid(tmp_path, "rasa1") != killed
    finally:
        stopped = cluster.stop()
    assert stopped, "Ctrl-C did not stop the cluster within a minute"
    assert any("Stopped." in line for line in cluster.lines)
    # The tracker tables exist before the instances start: no race to create them.
    assert not [line for line in cluster.lines if "UniqueViolation" in line]
    log = (tmp_path / "var" / "cluster" / "log" / "nginx-access.log").read_text()
    served = set(re.findall(r'"POST /webhooks/rest/webhook [^"]*" 200 upstream=([\d.:]+)', log))
    assert served == {f"127.0.0.1:{first_rasa}", f"127.0.0.1:{first_rasa + 1}"}  # both
    tracker = make_engine(
        url.set(database=f"{services_up}_tracker").render_as_string(hide_password=False)
    )
    with tracker.connect() as connection:
        users = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": f"rest:{sender}"},
        ).scalar_one()
    tracker.dispose()
    assert users == len(questions) + 2  # one conversation, every message once
    for port in (*ports.values(), first_rasa, first_rasa + 1, first_actions, first_actions + 1):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
