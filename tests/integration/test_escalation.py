"""Escalation end to end over the REST channel: complaint -> ticket -> staff CLI -> status.

Also: the database going away (the filing waits in the outbox) and both servers
restarting (the SQL tracker store keeps the conversation).
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from devtools.servers import start_bot
from devtools.tcp_proxy import TcpProxy
from tests.support.conversation import TICKET, buttons, sender, texts

pytestmark = pytest.mark.integration


def file_through_the_form(bot, user: str, opening: str, description: str | None) -> list[str]:
    """Walk the intake form; returns the replies of the last step."""
    response = bot.say(user, opening)
    if description:
        response = bot.say(user, description)
    replies = texts(response)
    assert any("kategori" in text for text in replies), replies
    proposed = buttons(response)[0]
    assert proposed.startswith('/affirm{"case_topic":')
    assert "nomor pendaftaran" in " ".join(texts(bot.say(user, proposed)))
    return texts(bot.say(user, "lewati"))


def test_complaint_to_ticket_to_staff_cli_to_status_in_chat(running_bot):
    user = sender()
    answer = texts(running_bot.say(user, "gagal upload ijazah padahal ukuran 600 kb"))
    assert any("800 KB" in text for text in answer)  # self-help first
    offer = texts(running_bot.say(user, "/feedback_unhelpful"))
    assert "teruskan ke petugas" in " ".join(offer)
    filed = " ".join(file_through_the_form(running_bot, user, "/affirm", None))
    ticket = TICKET.search(filed).group()
    assert "paling lambat" in filed and "12 hari kerja" in filed

    shown = running_bot.sscn("cases", "show", ticket, "--json")
    assert shown.returncode == 0, shown.stderr
    case = json.loads(shown.stdout)
    assert case["ticket"] == ticket
    assert (case["status"], case["kind"], case["channel"]) == (
        "belum_diverifikasi",
        "complaint",
        "rest",
    )
    assert (case["sscn_topic"], case["lapor_type"]) == ("unggah_dokumen", "rekrutmen_cpns")
    assert case["description"] == "gagal upload ijazah padahal ukuran 600 kb"
    assert [event["type"] for event in case["events"]] == ["created"]

    status = " ".join(texts(running_bot.say(user, f"status {ticket}")))
    assert ticket in status and "menunggu verifikasi" in status
    latest = " ".join(texts(running_bot.say(user, "aduan saya kemarin gimana ya?")))
    assert ticket in latest

    moved = running_bot.sscn(
        "cases", "set-status", ticket, "belum_ditindaklanjuti", "--actor", "ani"
    )
    assert moved.returncode == 0, moved.stderr
    assert "sudah diverifikasi" in " ".join(texts(running_bot.say(user, f"cek tiket {ticket}")))

    stranger = " ".join(texts(running_bot.say(sender(), f"status {ticket}")))
    unknown = " ".join(texts(running_bot.say(sender(), "status SSCN-2026-99999")))
    assert "tidak ditemukan" in stranger and ticket not in stranger.replace(ticket, "", 1)
    assert stranger.replace(ticket, "X") == unknown.replace("SSCN-2026-99999", "X")


def test_request_for_a_human_and_the_same_complaint_twice(running_bot):
    user = sender()
    description = "nilai skd saya tidak muncul di pengumuman padahal sudah ikut ujian"
    first = " ".join(
        file_through_the_form(running_bot, user, "mau bicara sama petugas", description)
    )
    ticket = TICKET.search(first).group()
    again = " ".join(
        file_through_the_form(running_bot, user, "saya mau ngomong sama admin", description)
    )
    assert "sudah tercatat" in again and ticket in again


def test_the_transcript_is_in_the_sql_tracker_store(running_bot):
    user = sender()
    texts(running_bot.say(user, "halo min"))
    database = running_bot.env["SSCN_TRACKER_DB"]
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (f"rest:{user}",)
        ).fetchone()
    assert rows[0] >= 3  # session start, the user's message, the bot's reply


def test_database_down_then_restart_nothing_is_lost(trained_model, postgres_url, tmp_path):
    url = make_url(postgres_url)
    proxy = TcpProxy(url.port or 5432, url.host or "127.0.0.1")
    proxy.start()
    proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
    env = {"SSCN_OUTBOX_RETRY_SECONDS": "0.5", "SSCN_DB_CONNECT_TIMEOUT": "2"}
    bot = start_bot(trained_model, tmp_path, database_url=proxied, extra_env=env)
    user = sender()
    try:
        proxy.stop()
        description = "kartu ujian saya tidak bisa dicetak sejak kemarin sore"
        queued = " ".join(
            file_through_the_form(bot, user, "tolong sambungkan ke admin", description)
        )
        assert "menyusul" in queued and not TICKET.search(queued)
        assert list((tmp_path / "outbox").glob("*.json"))
    finally:
        bot.stop()

    proxy.start()
    bot = start_bot(trained_model, tmp_path, database_url=proxied, extra_env=env)
    try:
        later = " ".join(texts(bot.say(user, "halo")))
        ticket = TICKET.search(later).group()
        assert "sudah terbit" in later
        assert ticket in " ".join(texts(bot.say(user, "status aduan saya")))
        assert not list((tmp_path / "outbox").glob("*.json"))
    finally:
        bot.stop()
        proxy.stop()
