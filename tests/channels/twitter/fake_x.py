"""A stateful fake of the X API v2 endpoints the poller uses, served through `responses`."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlparse

import responses

API = "https://api.twitter.com/2"
ME = "1000"


class FakeX:
    def __init__(self, rsps: responses.RequestsMock, page_size: int = 2) -> None:
        self.mentions: list[dict] = []
        self.users: dict[str, dict] = {}
        self.posted: list[dict] = []
        self.page_size = page_size
        self.rate_limited: list[str] = []  # endpoints ("mentions", "tweets") to answer 429 once
        self.forbidden_replies: set[str] = set()  # parent ids whose replies get 403
        self._next_id = 9_000_000
        rsps.add_callback(
            responses.GET, re.compile(rf"{API}/users/{ME}/mentions.*"), self._mentions
        )
        rsps.add_callback(responses.GET, re.compile(rf"{API}/users/{ME}/tweets.*"), self._own)
        rsps.add_callback(responses.POST, f"{API}/tweets", self._create)

    def mention(self, tweet_id: str, author: str, text: str, retweet: bool = False) -> None:
        self.users[author] = {"id": author, "name": f"Pelamar {author}", "username": f"u{author}"}
        tweet = {
            "id": tweet_id,
            "author_id": author,
            "text": text,
            "created_at": "2026-11-28T03:00:00.000Z",
            "conversation_id": tweet_id,
        }
        if retweet:
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
        self.mentions.append(tweet)

    def replies_to(self, tweet_id: str) -> list[dict]:
        return [t for t in self.posted if t["in_reply_to"] == tweet_id]

    def _limited(self, endpoint: str):
        if endpoint in self.rate_limited:
            self.rate_limited.remove(endpoint)
            reset = str(int(time.time()) + 2)
            body = {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}
            return (
                429,
                {"x-rate-limit-reset": reset, "x-rate-limit-remaining": "0"},
                json.dumps(body),
            )
        return None

    def _mentions(self, request):
        if limited := self._limited("mentions"):
            return limited
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        since = int(query.get("since_id", 0))
        newest_first = sorted(
            (t for t in self.mentions if int(t["id"]) > since), key=lambda t: -int(t["id"])
        )
        start = int(query.get("pagination_token", 0))
        page = newest_first[start : start + self.page_size]
        meta = {"result_count": len(page)}
        if start + self.page_size < len(newest_first):
            meta["next_token"] = str(start + self.page_size)
        body = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {"users": [self.users[t["author_id"]] for t in page]}
        return 200, {}, json.dumps(body)

    def _own(self, request):
        body = {
            "data": [t["tweet"] for t in self.posted],
            "meta": {"result_count": len(self.posted)},
        }
        return 200, {}, json.dumps(body)

    def _create(self, request):
        if limited := self._limited("tweets"):
            return limited
        payload = json.loads(request.body)
        parent = payload["reply"]["in_reply_to_tweet_id"]
        if parent in self.forbidden_replies:
            body = {"title": "Forbidden", "detail": "You cannot reply to this Tweet", "status": 403}
            return 403, {}, json.dumps(body)
        self._next_id += 1
        tweet = {
            "id": str(self._next_id),
            "text": payload["text"],
            "referenced_tweets": [{"type": "replied_to", "id": parent}],
        }
        self.posted.append({"in_reply_to": parent, "tweet": tweet})
        return 201, {}, json.dumps({"data": {"id": tweet["id"], "text": tweet["text"]}})
