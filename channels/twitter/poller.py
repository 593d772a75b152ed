"""``sscn twitter poll``: read mentions, have Rasa answer them, post the replies.

A mention counts as answered only once its whole reply thread is posted.
Everything is recorded in the message log before the next step, so a poller
killed at any point and restarted neither skips nor double-answers a mention:

1. mentions since the stored ``since_id`` are read (all pages), oldest first;
2. each is sent to the Rasa channel, which stores its reply parts once per tweet id;
3. each part is marked "posting", posted in reply to the mention (then to the
   previous part), and marked "posted" with its id; a part found "posting"
   after a crash is looked up among the account's own replies before posting;
4. the mention is marked answered, and ``since_id`` moves past it.

429 waits until ``x-rate-limit-reset`` (a loop, not recursion); a 403 on a reply
is recorded and never retried.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import tweepy

from bot.ledger.messages import ANSWERED, FAILED, FORBIDDEN, POSTED, POSTING, MessageLog
from channels.twitter.channel import TOKEN_HEADER

logger = logging.getLogger(__name__)
SINCE_CURSOR = "twitter:since_id"
T = TypeVar("T")


@dataclass(frozen=True)
class Mention:
    id: str
    author_id: str
    text: str
    username: str | None
    display_name: str | None
    created_at: str | None


def client_from_env() -> tweepy.Client:
    return tweepy.Client(
        bearer_token=os.environ.get("TWITTER_BEARER_TOKEN"),
        consumer_key=os.environ.get("TWITTER_API_KEY"),
        consumer_secret=os.environ.get("TWITTER_API_SECRET"),
        access_token=os.environ.get("TWITTER_ACCESS_TOKEN"),
        access_token_secret=os.environ.get("TWITTER_ACCESS_SECRET"),
        wait_on_rate_limit=False,  # tweepy's own wait recurses; ours loops
    )


def http_forward(rasa_url: str, token: str) -> Callable[[Mention], int]:
    """Send a mention to the Rasa channel; returns the message-log id of the mention."""

    def forward(mention: Mention) -> int:
        reply = requests.post(
            f"{rasa_url.rstrip('/')}/webhooks/twitter/webhook",
            json={
                "sender": mention.author_id,
                "message": mention.text,
                "metadata": {
                    "tweet_id": mention.id,
                    "username": mention.username,
                    "display_name": mention.display_name,
                    "created_at": mention.created_at,
                },
            },
            headers={TOKEN_HEADER: token},
            timeout=60,
        )
        reply.raise_for_status()
        return int(reply.json()["inbound_id"])

    return forward


class MentionPoller:
    def __init__(
        self,
        client: tweepy.Client,
        user_id: str,
        log: MessageLog,
        forward: Callable[[Mention], int],
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.time,
        checkpoint: Callable[[str], None] = lambda step: None,
    ) -> None:
        self.client = client
        self.user_id = str(user_id)
        self.log = log
        self.forward = forward
        self._sleep = sleep
        self._clock = clock
        self._checkpoint = checkpoint  # tests stop the poller here to simulate a kill

    def poll_once(self) -> int:
        """One round; returns how many mentions were answered."""
        for inbound_id in self.log.unposted("twitter"):
            self._post_parts(inbound_id)  # left by a crash, or queued by an agent
        answered = 0
        for mention in self.fetch_mentions():
            self._checkpoint("fetched")
            inbound_id = self.forward(mention)
            self._checkpoint("forwarded")
            if self._post_parts(inbound_id):
                answered += 1
            self._checkpoint("before_cursor")
            self.log.set_cursor(SINCE_CURSOR, mention.id)
        return answered

    def fetch_mentions(self) -> list[Mention]:
        since_id = self.log.cursor(SINCE_CURSOR)
        mentions: list[Mention] = []
        token = None
        while True:
            page = self._with_rate_limit(
                lambda token=token: self.client.get_users_mentions(
                    self.user_id,
                    since_id=since_id,
                    pagination_token=token,
                    max_results=100,
                    expansions=["author_id"],
                    user_fields=["username", "name"],
                    tweet_fields=[
                        "created_at",
                        "conversation_id",
                        "referenced_tweets",
                        "author_id",
                    ],
                    user_auth=True,
                )
            )
            users = {str(u.id): u for u in (page.includes or {}).get("users", [])}
            for tweet in page.data or []:
                if str(tweet.author_id) == self.user_id or _is_retweet(tweet):
                    continue
                user = users.get(str(tweet.author_id))
                mentions.append(
                    Mention(
                        id=str(tweet.id),
                        author_id=str(tweet.author_id),
                        text=_strip_handles(tweet.text),
                        username=getattr(user, "username", None),
                        display_name=getattr(user, "name", None),
                        created_at=tweet.created_at.isoformat() if tweet.created_at else None,
                    )
                )
            token = (page.meta or {}).get("next_token")
            if not token:
                break
        return sorted(mentions, key=lambda m: int(m.id))

    def _post_parts(self, inbound_id: int) -> bool:
        """Post the mention's unposted parts in order; True when all are posted."""
        mention = self.log.get(inbound_id)
        parent = mention.external_id
        for part in self.log.parts(inbound_id):
            if part.status == POSTED:
                parent = part.external_id
                continue
            if part.status == FORBIDDEN:
                return False
            if part.status == POSTING:
                found = self._already_posted(mention.external_id, parent, part.text)
                if found:
                    self.log.mark_posted(part.id, found)
                    parent = found
                    continue
            self.log.set_status(part.id, POSTING)
            self._checkpoint("posting")
            try:
                created = self._with_rate_limit(
                    lambda part=part, parent=parent: self.client.create_tweet(
                        text=part.text, in_reply_to_tweet_id=parent, user_auth=True
                    )
                )
            except tweepy.Forbidden as error:
                note = f"403: {error}"[:500]
                self.log.set_status(part.id, FORBIDDEN, note)
                self.log.set_status(inbound_id, FAILED, note)
                logger.warning("twitter: reply to %s refused: %s", mention.external_id, error)
                return False
            self._checkpoint("posted")
            parent = str(created.data["id"])
            self.log.mark_posted(part.id, parent)
            self._checkpoint("marked")
        self.log.set_status(inbound_id, ANSWERED)
        return True

    def _already_posted(self, mention_id: str, parent: str, text: str) -> str | None:
        """The id of our reply to ``parent`` with this text, if a crashed run posted it."""
        page = self._with_rate_limit(
            lambda: self.client.get_users_tweets(
                self.user_id,
                since_id=mention_id,
                max_results=100,
                tweet_fields=["referenced_tweets"],
                user_auth=True,
            )
        )
        for tweet in page.data or []:
            replied_to = [
                str(ref.id) for ref in tweet.referenced_tweets or [] if ref.type == "replied_to"
            ]
            if parent in replied_to and tweet.text == text:
                return str(tweet.id)
        return None

    def _with_rate_limit(self, call: Callable[[], T]) -> T:
        while True:
            try:
                return call()
            except tweepy.TooManyRequests as error:
                reset = error.reset_time or (self._clock() + 60)
                wait = max(1.0, reset - self._clock() + 1)
                logger.warning("twitter: rate limited, waiting %.0f s", wait)
                self._sleep(wait)

    def run_forever(self, interval: float) -> None:
        while True:
            try:
                self.poll_once()
            except (tweepy.TweepyException, requests.RequestException) as error:
                logger.warning("twitter: %s; next round in %.0f s", error, interval)
            except Exception:  # keep polling: the database or Rasa may come back
                logger.exception("twitter: poll round failed")
            self._sleep(interval)


def _is_retweet(tweet: Any) -> bool:
    return any(ref.type == "retweeted" for ref in tweet.referenced_tweets or [])


def _strip_handles(text: str) -> str:
    words = text.split()
    while words and words[0].startswith("@"):
        words.pop(0)
    return " ".join(words)
