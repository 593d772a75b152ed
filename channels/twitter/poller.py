"""``sscn twitter poll``: read mentions, have Rasa answer them, post the replies.

A mention counts as answered only once its whole reply thread is posted.
Every step is recorded in the message log before the next one, so a poller
killed at any point and restarted neither skips nor double-answers a mention:

1. reply parts left unposted by a crash (or queued by an agent) are posted first;
2. mentions since the stored ``since_id`` are read (all pages), oldest first;
3. each is sent to the Rasa channel, which runs the dialogue once per tweet id and
   stores the reply parts before answering (a mention sent again gets them back);
4. each part is marked "posting", posted in reply to the mention (then to the
   previous part) and marked "posted" with its tweet id. A part found "posting"
   after a crash may be on X already: the account's replies to the expected parent
   are looked up first, and only if none has the part's text is it posted;
5. the mention is marked "answered", then ``since_id`` moves to it.

429 waits until ``x-rate-limit-reset`` + 1 s and retries (a loop, not recursion);
a 403 on a reply is recorded ("forbidden", mention "failed") and never retried;
any other network error ends the round, and the next round carries on.
"""

from __future__ import annotations

import html
import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import tweepy

from bot.config import Settings
from bot.ledger.messages import (
    ANSWERED,
    FAILED,
    FORBIDDEN,
    POSTED,
    POSTING,
    SENT,
    MessageLog,
)
from bot.text import URL
from channels.twitter.channel import CHANNEL, TOKEN_HEADER

logger = logging.getLogger(__name__)
SINCE_CURSOR = "twitter:since_id"
WEBHOOK_PATH = "/webhooks/twitter/webhook"
RECHECK_SECONDS = 5.0  # before looking for a reply X refused as a duplicate
MENTION_FIELDS = ["created_at", "conversation_id", "referenced_tweets", "author_id"]
# Where the poller reports its progress (tests stop it there to simulate a kill).
STEPS = ("fetched", "forwarded", "posting", "posted", "marked", "answered", "cursor")
_HANDLES = re.compile(r"^(?:\s*@\w{1,50})+\s*")
T = TypeVar("T")


@dataclass(frozen=True)
class Mention:
    id: str
    author_id: str
    text: str
    username: str | None = None
    display_name: str | None = None
    created_at: str | None = None

    def payload(self) -> dict[str, Any]:
        """The request body for the Rasa channel."""
        return {
            "sender": self.author_id,
            "message": self.text,
            "metadata": {
                "tweet_id": self.id,
                "username": self.username,
                "display_name": self.display_name,
                "created_at": self.created_at,
            },
        }


Forward = Callable[[Mention], list[dict[str, Any]]]


def client_for(settings: Settings) -> tweepy.Client:
    """A v2 client acting as the helpdesk account (OAuth 1.0a user context)."""
    return tweepy.Client(
        bearer_token=settings.twitter_bearer_token or None,
        consumer_key=settings.twitter_api_key,
        consumer_secret=settings.twitter_api_secret,
        access_token=settings.twitter_access_token,
        access_token_secret=settings.twitter_access_secret,
        wait_on_rate_limit=False,  # tweepy's own wait recurses; ours loops
    )


def http_forward(rasa_url: str, token: str, timeout: float = 120.0) -> Forward:
    """Send a mention to the Rasa channel; returns its reply parts (stored, with ids)."""
    url = f"{rasa_url.rstrip('/')}{WEBHOOK_PATH}"

    def forward(mention: Mention) -> list[dict[str, Any]]:
        reply = requests.post(
            url, json=mention.payload(), headers={TOKEN_HEADER: token}, timeout=timeout
        )
        reply.raise_for_status()
        return list(reply.json()["parts"])

    return forward


class MentionPoller:
    def __init__(
        self,
        client: tweepy.Client,
        log: MessageLog,
        *,
        user_id: str | None = None,
        forward: Forward,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.time,
        checkpoint: Callable[[str], None] = lambda step: None,
    ) -> None:
        self.client = client
        self.log = log
        self.forward = forward
        self._user_id = str(user_id or "") or None
        self._sleep = sleep
        self._clock = clock
        self._checkpoint = checkpoint
        self._stopping = False

    @property
    def user_id(self) -> str:
        """The helpdesk account's id: ``TWITTER_USER_ID`` or asked once from X."""
        if self._user_id is None:
            me = self._with_rate_limit(lambda: self.client.get_me(user_auth=True))
            self._user_id = str(me.data.id)
        return self._user_id

    def stop(self) -> None:
        """End ``run_forever`` after the mention being handled (safe in a signal handler)."""
        self._stopping = True

    # --- one round ------------------------------------------------------------------

    def poll_once(self) -> int:
        """One round; returns how many mentions got their reply completed.

        Network errors end the round early (logged); nothing is lost, the next
        round starts again from the stored state.
        """
        done = 0
        try:
            for inbound_id in self.log.unposted(CHANNEL):
                if self._stopping:
                    return done
                done += self._post_parts(inbound_id)
            mentions, newest = self.fetch_mentions()
            self._checkpoint("fetched")
            for mention in mentions:
                if self._stopping:
                    return done
                parts = self.forward(mention)
                self._checkpoint("forwarded")
                row = self.log.inbound(CHANNEL, mention.id)
                if row is None:
                    raise RuntimeError(f"the channel did not record mention {mention.id}")
                logger.debug("twitter: mention %s has %d part(s)", mention.id, len(parts))
                done += self._post_parts(row.id)
                self._checkpoint("answered")
                self._advance(mention.id)
                self._checkpoint("cursor")
            if newest:  # past our own posts and retweets, which are never answered
                self._advance(newest)
        except (tweepy.TweepyException, requests.RequestException) as error:
            logger.warning("twitter: round stopped, the next one carries on: %s", error)
        return done

    def fetch_mentions(self) -> tuple[list[Mention], str | None]:
        """Mentions to answer since the cursor, oldest first, and the newest id read."""
        since_id = self.log.cursor(SINCE_CURSOR)
        mentions: list[Mention] = []
        newest: int | None = None
        token: str | None = None
        while True:
            page = self._with_rate_limit(
                lambda token=token: self.client.get_users_mentions(
                    id=self.user_id,
                    since_id=since_id,
                    pagination_token=token,
                    max_results=100,
                    expansions=["author_id"],
                    user_fields=["username", "name"],
                    tweet_fields=MENTION_FIELDS,
                    user_auth=True,
                )
            )
            users = {str(user.id): user for user in (page.includes or {}).get("users", [])}
            for tweet in page.data or []:
                newest = max(newest or 0, int(tweet.id))
                if str(tweet.author_id) == self.user_id or _is_retweet(tweet):
                    continue
                user = users.get(str(tweet.author_id))
                mentions.append(
                    Mention(
                        id=str(tweet.id),
                        author_id=str(tweet.author_id),
                        text=strip_handles(html.unescape(tweet.text)),
                        username=getattr(user, "username", None),
                        display_name=getattr(user, "name", None),
                        created_at=tweet.created_at.isoformat() if tweet.created_at else None,
                    )
                )
            token = (page.meta or {}).get("next_token")
            if not token:
                break
        mentions.sort(key=lambda mention: int(mention.id))
        return mentions, str(newest) if newest else None

    def _advance(self, tweet_id: str) -> None:
        current = self.log.cursor(SINCE_CURSOR)
        if current is None or int(tweet_id) > int(current):
            self.log.set_cursor(SINCE_CURSOR, tweet_id)

    # --- posting --------------------------------------------------------------------

    def _post_parts(self, inbound_id: int) -> bool:
        """Post the mention's unposted parts in order; True once its reply is complete."""
        mention = self.log.get(inbound_id)
        parent = mention.external_id
        for part in self.log.parts(inbound_id):
            if part.status in (POSTED, SENT):
                parent = part.external_id or parent
                continue
            if part.status == FORBIDDEN:
                return False  # X refused the thread; never retried
            retry = part.status == POSTING
            if retry:  # a crash came between "posting" and "posted": is it on X?
                found = self._find_reply(parent, part.text)
                if found:
                    self.log.mark_posted(part.id, found)
                    parent = found
                    continue
            else:
                self.log.set_status(part.id, POSTING)
            self._checkpoint("posting")
            try:
                created = self._with_rate_limit(
                    lambda text=part.text, parent=parent: self.client.create_tweet(
                        text=text, in_reply_to_tweet_id=parent, user_auth=True
                    )
                )
            except tweepy.Forbidden as error:
                found = None
                if retry:  # refused as a duplicate: posted after all, X's timeline lagged
                    self._sleep(RECHECK_SECONDS)
                    found = self._find_reply(parent, part.text)
                if found:
                    self.log.mark_posted(part.id, found)
                    parent = found
                    continue
                note = f"403: {error}"[:500]
                self.log.set_status(part.id, FORBIDDEN, note)
                self.log.set_status(inbound_id, FAILED, note)
                logger.warning("twitter: reply to %s refused: %s", mention.external_id, error)
                return False
            self._checkpoint("posted")
            parent = str(created.data["id"])
            self.log.mark_posted(part.id, parent)
            self._checkpoint("marked")
        if mention.status == ANSWERED:
            return False
        self.log.set_status(inbound_id, ANSWERED)
        return True

    def _find_reply(self, parent: str, text: str) -> str | None:
        """The id of the account's reply to ``parent`` with this text, if there is one."""
        token: str | None = None
        while True:
            page = self._with_rate_limit(
                lambda token=token: self.client.get_users_tweets(
                    id=self.user_id,
                    since_id=parent,  # a reply is newer than what it replies to
                    max_results=100,
                    tweet_fields=["referenced_tweets", "in_reply_to_user_id"],
                    pagination_token=token,
                    user_auth=True,
                )
            )
            for tweet in page.data or []:
                replied_to = {
                    str(ref.id) for ref in tweet.referenced_tweets or [] if ref.type == "replied_to"
                }
                if parent in replied_to and same_text(tweet.text, text):
                    return str(tweet.id)
            token = (page.meta or {}).get("next_token")
            if not token:
                return None

    def _with_rate_limit(self, call: Callable[[], T]) -> T:
        """``call()``, waiting out 429s until ``x-rate-limit-reset`` + 1 s each time."""
        while True:
            try:
                return call()
            except tweepy.TooManyRequests as error:
                now = self._clock()
                reset = error.reset_time if error.reset_time is not None else now + 60
                wait = max(reset - now, 0) + 1
                logger.warning("twitter: rate limited, waiting %.0f s", wait)
                self._sleep(wait)

    # --- the loop -------------------------------------------------------------------

    def run_forever(self, interval: float) -> None:
        """Poll every ``interval`` seconds until SIGTERM, Ctrl-C or ``stop()``."""
        previous = _on_sigterm(lambda *_: self.stop())
        try:
            while not self._stopping:
                try:
                    self.poll_once()
                except Exception:  # the database may be down: keep polling
                    logger.exception("twitter: poll round failed")
                deadline = time.monotonic() + interval
                while not self._stopping and time.monotonic() < deadline:
                    time.sleep(min(0.5, max(deadline - time.monotonic(), 0)))
        except KeyboardInterrupt:
            logger.info("twitter: interrupted; stopping")
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _on_sigterm(handler: Callable[..., Any]) -> Any:
    """Install a SIGTERM handler (main thread only); the previous one, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler)


def _is_retweet(tweet: Any) -> bool:
    return any(ref.type == "retweeted" for ref in tweet.referenced_tweets or [])


def strip_handles(text: str) -> str:
    """The mention without the @handles it starts with (X puts the reply chain there)."""
    return _HANDLES.sub("", text).strip()


def same_text(posted: str, ours: str) -> bool:
    """Whether a tweet read back from X is the text we posted.

    X returns text HTML-escaped, may prefix @handles of a reply and shortens URLs.
    """

    def canonical(text: str) -> str:
        text = strip_handles(html.unescape(text))
        return " ".join(URL.sub("<url>", text).split())

    return canonical(posted) == canonical(ours)
