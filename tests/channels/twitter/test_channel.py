"""The X channel on a real Rasa server, and the poller answering through it."""

from __future__ import annotations

import pytest
import requests
import responses

from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import PENDING, MessageLog
from bot.text import tweet_weight
from channels.outbound import Outbound
from channels.twitter.channel import TOKEN_HEADER
from channels.twitter.poller import http_forward
from tests.support.bot_env import POLLER_TOKEN
from tests.support.fake_x import FakeX
from tests.support.twitter import poller

pytestmark = pytest.mark.integration


def mention(bot, tweet_id: str, author: str, text: str, token: str | None = POLLER_TOKEN):
    return requests.post(
        f"{bot.rasa_url}/webhooks/twitter/webhook",
        json={"sender": author, "message": text, "metadata": {"tweet_id": tweet_id}},
        headers={TOKEN_HEADER: token} if token else {},
        timeout=30,
    )


def test_the_poller_token_and_payload_are_checked(running_bot):
    assert mention(running_bot, "1", "2", "halo", token=None).status_code == 403
    assert mention(running_bot, "1", "2", "halo", token="wrong").status_code == 403
    bad = requests.post(
        f"{running_bot.rasa_url}/webhooks/twitter/webhook",
        json={"sender": "x", "message": "halo", "metadata": {}},
        headers={TOKEN_HEADER: POLLER_TOKEN},
        timeout=30,
    )
    assert bad.status_code == 400


def test_a_mention_is_answered_once_briefly_and_publicly_safe(running_bot):
    first = mention(running_bot, "880001", "555", "lupa password sscasn gimana min")
    parts = first.json()["parts"]
    assert all(tweet_weight(p["text"]) <= 280 for p in parts)
    assert "Balas: Ya, membantu / Tidak membantu" in parts[-1]["text"]
    again = mention(running_bot, "880001", "555", "lupa password sscasn gimana min").json()
    assert again["parts"] == parts
    users = [e for e in running_bot.tracker("twitter:555")["events"] if e["event"] == "user"]
    assert len(users) == 1  # the dialogue ran once


def test_intake_on_x_asks_no_personal_details(running_bot):
    mention(running_bot, "880101", "556", "mau bicara sama petugas")
    mention(running_bot, "880102", "556", "kartu ujian saya tidak bisa dicetak dari kemarin")
    topic = mention(running_bot, "880103", "556", "ya").json()["parts"]
    text = " ".join(p["text"] for p in topic)
    assert "SSCN-" in text and "nomor pendaftaran" not in text
    assert "lewat DM" in text


def test_the_poller_posts_rasa_replies_and_agents_reach_x(running_bot):
    log = MessageLog(make_sessionmaker(make_engine(running_bot.env["SSCN_DATABASE_URL"])))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(running_bot.rasa_url)
        x = FakeX(rsps)
        x.mention("880201", "557", "@BKNgoid batas usia daftar cpns berapa?")
        forward = http_forward(running_bot.rasa_url, POLLER_TOKEN)
        assert poller(log, forward).poll_once() >= 1  # earlier tests' parts go out too
        (reply,) = x.replies_to("880201")
        assert "35" in reply["tweet"]["text"]

        Outbound(running_bot.rasa_url, running_bot.token).send(
            "twitter:557", "Halo, saya Ani.", "agent:ani"
        )
        mention_row = log.inbound("twitter", "880201")
        assert [p.status for p in log.parts(mention_row.id)][-1] == PENDING
        poller(log, forward).poll_once()
        follow_up = x.replies_to(reply["tweet"]["id"])
        assert [t["tweet"]["text"] for t in follow_up] == ["Halo, saya Ani."]
