"""A stateful fake of the X API v2 endpoints the poller uses, served through `responses`
(tweepy talks to X with `requests`). Payloads follow X's v2 shapes: ``data``,
``includes.users``, ``meta`` with ``next_token``, problem-JSON errors, rate-limit headers.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlparse

import responses

API = "https://api.twitter.com/2"
ME = "1000"
HANDLE = "BKNgoid"


class FakeX:
    def __init__(self, rsps: responses.RequestsMock, page_size: int = 2) -> None:
        self.mentions: list[dict] = []
        self.users: dict[str, dict] = {ME: {"id": ME, "name": "BKN", "username": HANDLE}}
        self.posted: list[dict] = []  # {"in_reply_to", "tweet"}, in posting order
        self.page_size = page_size
        self.create_calls = 0
        # (endpoint, reset epoch): the next call to "mentions", "tweets" or "own" gets a 429.
        self.rate_limited: list[tuple[str, int]] = []
        self.forbidden_replies: set[str] = set()  # parent ids whose replies get 403
        self.reject_duplicates = False  # X refuses a text the account posted already
        self.stale_reads = 0  # own-timeline reads that miss the newest post (X lags)
        self._next_id = 9_000_000
        rsps.add_callback(
            responses.GET, re.compile(rf"{API}/users/{ME}/mentions\b.*"), self._mentions
        )
        rsps.add_callback(responses.GET, re.compile(rf"{API}/users/{ME}/tweets\b.*"), self._own)
        rsps.add_callback(responses.POST, f"{API}/tweets", self._create)

    def mention(self, tweet_id: str, author: str, text: str, retweet: bool = False) -> None:
        self.users.setdefault(
            author, {"id": author, "name": f"Pelamar {author}", "username": f"pelamar{author}"}
        )
        tweet = {
            "id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": author,
            "text": html.escape(text, quote=False),  # X escapes &, < and >
            "created_at": "2026-11-28T03:00:00.000Z",
            "conversation_id": tweet_id,
        }
        if retweet:
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
        self.mentions.append(tweet)

    def replies_to(self, tweet_id: str) -> list[dict]:
        return [t for t in self.posted if t["in_reply_to"] == tweet_id]

    def thread(self, tweet_id: str) -> list[str]:
        """Texts of the reply chain under a mention (first reply at each level)."""
        texts = []
        while replies := self.replies_to(tweet_id):
            texts.append(replies[0]["text"])
            tweet_id = replies[0]["tweet"]["id"]
        return texts

    def _limited(self, endpoint: str):
        for index, (name, reset) in enumerate(self.rate_limited):
            if name == endpoint:
                del self.rate_limited[index]
                body = {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}
                headers = {
                    "x-rate-limit-limit": "10",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(reset),
                }
                return 429, headers, json.dumps(body)
        return None

    def _mentions(self, request):
        if limited := self._limited("mentions"):
            return limited
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        assert {"author_id", "referenced_tweets", "created_at"} <= set(
            query["tweet.fields"].split(",")
        )
        assert query["expansions"] == "author_id"
        since = int(query.get("since_id", 0))
        newest_first = sorted(
            (t for t in self.mentions if int(t["id"]) > since), key=lambda t: -int(t["id"])
        )
        return self._page(query, newest_first, self._authors)

    def _own(self, request):
        if limited := self._limited("own"):
            return limited
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        since = int(query.get("since_id", 0))
        posted = self.posted
        if self.stale_reads:
            self.stale_reads -= 1
            posted = posted[:-1]
        newest_first = [p["timeline"] for p in reversed(posted) if int(p["tweet"]["id"]) > since]
        return self._page(query, newest_first, lambda page: {})

    def _page(self, query, newest_first, includes):
        start = int(query.get("pagination_token", 0))
        page = newest_first[start : start + self.page_size]
        meta = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if start + self.page_size < len(newest_first):
            meta["next_token"] = str(start + self.page_size)
        body = {"meta": meta}
        if page:
            body["data"] = page
            if extra := includes(page):
                body["includes"] = extra
        return 200, {}, json.dumps(body)

    def _authors(self, page):
        authors = dict.fromkeys(t["author_id"] for t in page)
        return {"users": [self.users[author] for author in authors]}

    def _create(self, request):
        self.create_calls += 1
        if limited := self._limited("tweets"):
            return limited
        payload = json.loads(request.body)
        parent = payload["reply"]["in_reply_to_tweet_id"]
        if parent in self.forbidden_replies:
            body = {
                "title": "Forbidden",
                "detail": "You are not permitted to reply to this Tweet.",
                "type": "about:blank",
                "status": 403,
            }
            return 403, {}, json.dumps(body)
        if self.reject_duplicates and any(p["text"] == payload["text"] for p in self.posted):
            body = {
                "title": "Forbidden",
                "detail": "You are not allowed to create a Tweet with duplicate content.",
                "type": "about:blank",
                "status": 403,
            }
            return 403, {}, json.dumps(body)
        self._next_id += 1
        tweet_id = str(self._next_id)
        author = self._author_of(parent)
        timeline = {
            "id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            # Read back, a reply starts with the handle it answers, HTML-escaped.
            "text": html.escape(f"@{author} {payload['text']}", quote=False),
            "in_reply_to_user_id": next(
                (u["id"] for u in self.users.values() if u["username"] == author), ME
            ),
            "referenced_tweets": [{"type": "replied_to", "id": parent}],
        }
        self.posted.append(
            {
                "in_reply_to": parent,
                "text": payload["text"],
                "tweet": {"id": tweet_id, "text": payload["text"]},
                "timeline": timeline,
            }
        )
        body = {"data": {"id": tweet_id, "text": payload["text"], "edit_history_tweet_ids": []}}
        return 201, {}, json.dumps(body)

    def _author_of(self, tweet_id: str) -> str:
        for mention in self.mentions:
            if mention["id"] == tweet_id:
                return self.users[mention["author_id"]]["username"]
        return HANDLE
