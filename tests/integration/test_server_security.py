"""What a stranger on the machine can reach of the running servers (issue 12: 2, 6, 9)."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import create_engine, text

from channels.rasa_patches import ACTION_SERVER_DOWN, ACTION_SERVER_DOWN_TEXT
from devtools.fake_telegram import text_update
from devtools.net import loopback_only
from devtools.servers import start_bot
from tests.support.bot_env import channels_env
from tests.support.telegram import post

pytestmark = pytest.mark.integration


def port_of(url: str) -> int:
    return urlparse(url).port


def test_servers_listen_on_loopback_only(running_bot):
    assert loopback_only(port_of(running_bot.rasa_url))
    assert loopback_only(port_of(running_bot.actions_url))


def test_api_token_is_not_accepted_in_the_url(running_bot):
    url = f"{running_bot.rasa_url}/conversations/rest:someone/tracker"
    assert requests.get(url, params={"token": running_bot.token}, timeout=10).status_code == 401
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers=running_bot.api_headers(), timeout=10).ok


def test_api_refuses_a_jwt_signed_with_another_secret(running_bot):
    from bot.rasa_auth import api_headers

    url = f"{running_bot.rasa_url}/conversations/rest:someone/tracker"
    forged = requests.get(url, headers=api_headers("not-the-secret-" * 3), timeout=10)
    assert forged.status_code == 401


def test_no_secret_on_any_command_line(running_bot):
    secrets = [running_bot.token, running_bot.env["SSCN_ACTION_TOKEN"]]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        assert not any(secret in text for secret in secrets), cmdline


@pytest.mark.parametrize("path", ["/", "/conversations/rest:x/tracker", "/webhooks/rest/webhook"])
def test_cors_does_not_admit_other_origins(running_bot, path):
    evil = "https://evil.example"
    preflight = requests.options(
        f"{running_bot.rasa_url}{path}",
        headers={"Origin": evil, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    simple = requests.get(f"{running_bot.rasa_url}{path}", headers={"Origin": evil}, timeout=10)
    for answer in (preflight, simple):
        assert answer.headers.get("Access-Control-Allow-Origin") in (None, "")
        assert answer.status_code < 500


def test_huge_request_bodies_are_refused_before_they_are_read(running_bot):
    huge = b'{"sender": "x", "message": "' + b"a" * 5_000_000 + b'"}'
    answer = requests.post(
        f"{running_bot.rasa_url}/webhooks/telegram/webhook",
        data=huge,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 413
    assert requests.get(f"{running_bot.rasa_url}/", timeout=10).ok


def test_configured_web_chat_origin_is_admitted(trained_model, tmp_path):
    origin = "https://helpdesk.example.go.id"
    bot = start_bot(trained_model, tmp_path, extra_env={"SSCN_WEBCHAT_ORIGINS": origin})
    try:
        allowed = requests.get(f"{bot.rasa_url}/", headers={"Origin": origin}, timeout=10)
        other = requests.get(
            f"{bot.rasa_url}/", headers={"Origin": "https://x.example"}, timeout=10
        )
    finally:
        bot.stop()
    assert allowed.headers.get("Access-Control-Allow-Origin") == origin
    assert other.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_dead_action_server_gets_an_apology_not_silence(trained_model, fake_telegram, tmp_path):
    bot = start_bot(trained_model, tmp_path, extra_env=channels_env(fake_telegram))
    try:
        os.killpg(bot.processes[0].pid, signal.SIGKILL)  # the action server
        bot.processes[0].wait(timeout=10)
        sender = f"down-{uuid.uuid4().hex[:6]}"
        reply = bot.say(sender, "min lupa password sscasn gimana")
        assert reply.ok, reply.text
        assert [m.get("text") for m in reply.json()] == [ACTION_SERVER_DOWN_TEXT]
        again = bot.say(sender, "halo?")
        assert [m.get("text") for m in again.json()] == [ACTION_SERVER_DOWN_TEXT]

        chat = 880_001
        assert post(bot, text_update(880_001, chat, "kapan pengumuman skd")).status_code == 200
        sent = fake_telegram.wait_for("sendMessage", chat, 1)
        assert sent[-1]["text"] == ACTION_SERVER_DOWN_TEXT
        engine = create_engine(bot.env["SSCN_DATABASE_URL"])
        with engine.connect() as connection:
            status, note = connection.execute(
                text("SELECT status, note FROM messages WHERE external_id = '880001'")
            ).one()
        engine.dispose()
        assert (status, note) == ("failed", ACTION_SERVER_DOWN)  # unanswered, for agents
    finally:
        bot.stop()


def test_web_chat_socket_refuses_foreign_origins(running_bot):
    handshake = f"{running_bot.rasa_url}/socket.io/?EIO=4&transport=polling"
    foreign = requests.get(handshake, headers={"Origin": "https://evil.example"}, timeout=10)
    assert foreign.status_code == 400
    own_page = requests.get(handshake, headers={"Origin": running_bot.rasa_url}, timeout=10)
    assert own_page.ok, own_page.text
