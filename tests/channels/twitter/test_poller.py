"""The mention poller against a fake X API (tweepy over `responses`): pagination,
own posts and retweets skipped, threads, 429 and 403, and exactly-once answering
when the poller is killed at any step."""

from __future__ import annotations

import pytest
import responses
import tweepy

from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import ANSWERED, FAILED, RECEIVED, MessageLog
from bot.ledger.migrate import upgrade
from channels.twitter.poller import SINCE_CURSOR, Mention, MentionPoller
from tests.channels.twitter.fake_x import ME, FakeX

STEPS = ("fetched", "forwarded", "posting", "posted", "marked", "before_cursor")


class Killed(BaseException):
    """The process died here."""


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    upgrade(url)
    return MessageLog(make_sessionmaker(make_engine(url)))


@pytest.fixture
def x():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeX(rsps)


class FakeRasa:
    """Stands in for the Rasa channel: one run per tweet id, parts stored in the log."""

    def __init__(self, log: MessageLog, parts: int = 1) -> None:
        self.log, self.parts, self.runs = log, parts, []

    def __call__(self, mention: Mention) -> int:
        row, _ = self.log.receive("twitter", mention.author_id, mention.id, mention.text)
        if row.status == RECEIVED:
            self.runs.append(mention.id)
            texts = [f"Jawaban {i} untuk {mention.text}" for i in range(1, self.parts + 1)]
            self.log.add_parts(row, texts)
        return row.id


def poller(log, forward, sleeps=None, checkpoint=lambda step: None) -> MentionPoller:
    client = tweepy.Client(
        consumer_key="k", consumer_secret="s", access_token="t", access_token_secret="ts"
    )
    waits = sleeps if sleeps is not None else []
    return MentionPoller(client, ME, log, forward, sleep=waits.append, checkpoint=checkpoint)


def test_mentions_over_several_pages_are_answered_in_order(x, log):
    for tweet_id, text in (
        ("101", "@BKNgoid lupa pw"),
        ("102", "@BKNgoid halo"),
        ("103", "@BKNgoid batas usia"),
    ):
        x.mention(tweet_id, "7", text)
    x.mention("104", ME, "my own post")
    x.mention("105", "8", "RT @BKNgoid info", retweet=True)
    rasa = FakeRasa(log)
    assert poller(log, rasa).poll_once() == 3
    assert rasa.runs == ["101", "102", "103"]
    assert [t["tweet"]["text"] for t in x.posted] == [
        "Jawaban 1 untuk lupa pw",
        "Jawaban 1 untuk halo",
        "Jawaban 1 untuk batas usia",
    ]
    assert log.cursor(SINCE_CURSOR) == "103"
    assert poller(log, rasa).poll_once() == 0 and len(x.posted) == 3


def test_a_thread_replies_to_the_mention_then_to_the_previous_part(x, log):
    x.mention("201", "7", "@BKNgoid panjang")
    poller(log, FakeRasa(log, parts=3)).poll_once()
    first, second, third = x.posted
    assert first["in_reply_to"] == "201"
    assert second["in_reply_to"] == first["tweet"]["id"]
    assert third["in_reply_to"] == second["tweet"]["id"]
    assert log.inbound("twitter", "201").status == ANSWERED


def test_429_waits_until_the_reset_and_retries(x, log):
    x.mention("301", "7", "@BKNgoid halo")
    x.rate_limited += ["mentions", "tweets"]
    sleeps: list[float] = []
    assert poller(log, FakeRasa(log), sleeps).poll_once() == 1
    assert len(sleeps) == 2 and all(1 <= s <= 4 for s in sleeps)
    assert len(x.posted) == 1


def test_a_refused_reply_is_recorded_and_not_retried(x, log):
    x.mention("401", "7", "@BKNgoid halo")
    x.mention("402", "8", "@BKNgoid lupa pw")
    x.forbidden_replies.add("401")
    rasa = FakeRasa(log)
    assert poller(log, rasa).poll_once() == 1
    mention = log.inbound("twitter", "401")
    assert mention.status == FAILED and "403" in mention.note
    assert poller(log, rasa).poll_once() == 0
    assert [t["in_reply_to"] for t in x.posted] == ["402"]


@pytest.mark.parametrize("step", STEPS)
def test_killed_at_any_step_then_restarted_answers_each_mention_once(x, log, step):
    for tweet_id in ("501", "502"):
        x.mention(tweet_id, "7", f"@BKNgoid pertanyaan {tweet_id}")
    rasa = FakeRasa(log, parts=2)

    def die(at: str) -> None:
        if at == step:
            raise Killed(at)

    with pytest.raises(Killed):
        poller(log, rasa, checkpoint=die).poll_once()
    poller(log, rasa).poll_once()
    poller(log, rasa).poll_once()

    for tweet_id in ("501", "502"):
        thread = x.replies_to(tweet_id)
        assert len(thread) == 1, f"{tweet_id}: {len(thread)} first replies"
        assert len(x.replies_to(thread[0]["tweet"]["id"])) == 1  # part 2, once
        assert log.inbound("twitter", tweet_id).status == ANSWERED
    assert sorted(rasa.runs) == ["501", "502"]  # the dialogue ran once per mention
    assert len(x.posted) == 4
