"""Local fakes of the Telegram Bot API and the X API v2 for the load test, in one
HTTP server (standard library only, so it runs in either venv).

- Telegram: ``/bot<token>/<method>`` (``TELEGRAM_API_BASE_URL=http://127.0.0.1:<port>/bot``);
  ``sendMessage`` calls are recorded with their chat id, text and button payloads.
- X: ``/2/users/<id>/mentions``, ``/2/users/<id>/tweets``, ``POST /2/tweets``,
  ``/2/users/me``, the shapes tweepy reads (``data``, ``includes.users``, ``meta``
  with ``next_token``). The load users add mentions with ``POST /_load/x/mention``;
  every reply posted is recorded with the mention its thread hangs under.
- ``GET /_load/outbox?since=N``: what the bot sent since sequence number N (both
  platforms), for the load harness to collect; ``GET /_load/stats``: counters.

Run: ``python -m bench.load.fakes --port 0`` (from the repository root) prints
``port=<n>`` once listening.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from devtools.fake_telegram import UNAUTHORIZED, BotApi, parse_params, reply

TELEGRAM_TOKEN = "424242:LOAD-TEST-TOKEN"
X_USER_ID = "1000"
X_HANDLE = "BKNgoid"
BOT_USER = {"id": 424242, "is_bot": True, "first_name": "SSCN Helpdesk", "username": "sscn_bot"}


class FakePlatforms:
    def __init__(self, token: str = TELEGRAM_TOKEN) -> None:
        self.lock = threading.Lock()
        self.outbox: list[dict[str, Any]] = []
        self.mentions: list[dict[str, Any]] = []  # oldest first
        self.tweets: dict[str, dict[str, Any]] = {}  # every tweet id -> {author, root, parent}
        self.posted: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, str]] = {
            X_USER_ID: {"id": X_USER_ID, "name": "BKN", "username": X_HANDLE}
        }
        self.next_id = 1_900_000_000_000_000_000
        self.bot_api = BotApi(token, BOT_USER)
        self.calls: dict[str, int] = {}

    # --- recording --------------------------------------------------------------------

    def _record(self, item: dict[str, Any]) -> None:
        item["seq"] = len(self.outbox)
        item["at"] = time.time()
        self.outbox.append(item)

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def outbox_since(self, since: int) -> dict[str, Any]:
        with self.lock:
            items = self.outbox[since:]
            return {"next": since + len(items), "items": items}

    # --- Telegram ---------------------------------------------------------------------

    def telegram(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self._count(f"telegram.{method}")
            status, answer = self.bot_api.answer(method, params)
            if method == "sendMessage":
                markup = params.get("reply_markup")
                if isinstance(markup, str):
                    markup = json.loads(markup)
                buttons = [
                    button.get("callback_data") or button.get("text", "")
                    for row in (markup or {}).get("inline_keyboard", [])
                    for button in row
                ]
                self._record(
                    {
                        "platform": "telegram",
                        "chat_id": int(params["chat_id"]),
                        "text": params.get("text", ""),
                        "buttons": buttons,
                        "message_id": answer["result"]["message_id"],
                    }
                )
            return status, answer

    # --- X ----------------------------------------------------------------------------

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def add_mention(self, author: str, text: str) -> str:
        with self.lock:
            self._count("x.mention_added")
            self.users.setdefault(
                author, {"id": author, "name": f"Pelamar {author}", "username": f"pelamar{author}"}
            )
            tweet_id = self._new_id()
            now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            self.mentions.append(
                {
                    "id": tweet_id,
                    "edit_history_tweet_ids": [tweet_id],
                    "author_id": author,
                    "text": html.escape(f"@{X_HANDLE} {text}", quote=False),
                    "created_at": now,
                    "conversation_id": tweet_id,
                }
            )
            self.tweets[tweet_id] = {"author": author, "root": tweet_id, "parent": None}
            return tweet_id

    def x_get(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if path == f"/2/users/{X_USER_ID}/mentions":
                self._count("x.mentions")
                since = int(query.get("since_id") or 0)
                newest_first = [t for t in reversed(self.mentions) if int(t["id"]) > since]
                return 200, self._page(query, newest_first, users=True)
            if path == f"/2/users/{X_USER_ID}/tweets":
                self._count("x.own_tweets")
                since = int(query.get("since_id") or 0)
                newest_first = [
                    p["timeline"] for p in reversed(self.posted) if int(p["id"]) > since
                ]
                return 200, self._page(query, newest_first, users=False)
            if path == "/2/users/me":
                return 200, {"data": self.users[X_USER_ID]}
        return 404, {"title": "Not Found", "status": 404, "detail": path}

    def _page(self, query: dict[str, str], newest_first: list[dict], users: bool) -> dict:
        size = min(int(query.get("max_results") or 100), 100)
        start = int(query.get("pagination_token") or 0)
        page = newest_first[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if start + size < len(newest_first):
            meta["next_token"] = str(start + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            if users:
                authors = dict.fromkeys(t["author_id"] for t in page)
                body["includes"] = {"users": [self.users[a] for a in authors]}
        return body

    def x_post_tweet(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self._count("x.create_tweet")
            parent = str((payload.get("reply") or {}).get("in_reply_to_tweet_id") or "")
            origin = self.tweets.get(parent)
            if origin is None:
                return 403, {"title": "Forbidden", "status": 403, "detail": "unknown parent"}
            tweet_id = self._new_id()
            text = payload.get("text", "")
            self.tweets[tweet_id] = {"author": X_USER_ID, "root": origin["root"], "parent": parent}
            author = self.tweets[origin["root"]]["author"]
            handle = self.users[author]["username"]
            self.posted.append(
                {
                    "id": tweet_id,
                    "timeline": {
                        "id": tweet_id,
                        "edit_history_tweet_ids": [tweet_id],
                        "text": html.escape(f"@{handle} {text}", quote=False),
                        "in_reply_to_user_id": author,
                        "referenced_tweets": [{"type": "replied_to", "id": parent}],
                    },
                }
            )
            self._record(
                {
                    "platform": "x",
                    "author": author,
                    "root": origin["root"],
                    "parent": parent,
                    "id": tweet_id,
                    "text": text,
                    "buttons": [],
                }
            )
            return 201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": []}}

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"calls": dict(self.calls), "outbox": len(self.outbox)}


def make_server(fake: FakePlatforms, port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> str:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            reply(self, status, payload)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/_load/outbox":
                return self._reply(200, fake.outbox_since(int(query.get("since") or 0)))
            if url.path == "/_load/stats":
                return self._reply(200, fake.stats())
            method = fake.bot_api.method(url.path)
            if method is not None:
                return self._reply(*fake.telegram(method, query))
            self._reply(*fake.x_get(url.path, query))

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            body = self._body()
            if url.path.startswith("/bot"):
                method = fake.bot_api.method(url.path)
                if method is None:
                    return self._reply(401, UNAUTHORIZED)
                params = parse_params(self.headers.get("Content-Type", ""), body)
                return self._reply(*fake.telegram(method, params))
            if url.path == "/2/tweets":
                return self._reply(*fake.x_post_tweet(json.loads(body or "{}")))
            if url.path == "/_load/x/mention":
                data = json.loads(body or "{}")
                return self._reply(200, {"id": fake.add_mention(data["author"], data["text"])})
            self._reply(404, {"error": url.path})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = make_server(FakePlatforms(), args.port)
    print(f"port={server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
