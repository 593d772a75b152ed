"""A mention poller against the fake X API (``tests.support.fake_x``), on a frozen clock."""

from __future__ import annotations

from collections.abc import Callable

import tweepy

from bot.ledger.messages import MessageLog
from channels.twitter.poller import Forward, MentionPoller
from tests.support.fake_x import ME

NOW = 1_800_000_000.0


def poller(
    log: MessageLog,
    forward: Forward,
    sleeps: list[float] | None = None,
    checkpoint: Callable[[str], None] = lambda step: None,
) -> MentionPoller:
    """A poller for the fake's account; its waits are appended to ``sleeps``."""
    client = tweepy.Client(
        consumer_key="k", consumer_secret="s", access_token="t", access_token_secret="ts"
    )
    waits = sleeps if sleeps is not None else []
    return MentionPoller(
        client,
        log,
        user_id=ME,
        forward=forward,
        sleep=waits.append,
        clock=lambda: NOW,
        checkpoint=checkpoint,
    )
