"""bench/load's users, adjusted for faults (subclasses only, nothing forked):

- ``TelegramUser`` behaves like Telegram: a non-2xx answer or a timeout is followed by
  the same update again after a short delay (``Retry-After`` when given), until 2xx;
  the load test's user gives up after 4 attempts. A cap (``GIVE_UP_SECONDS``, far
  beyond any fault here) keeps a broken run finite; an update given up is reported.
- ``RestUser`` keeps each answer's status code in ``turn.responses`` (503s are the
  "send it again" answers) and the text of a refused answer.
- ``WebChatUser`` notes when its socket dropped under it (the page shows "terputus"),
  not when it closed it itself at the end of a conversation.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.load import users as load_users

GIVE_UP_SECONDS = 300.0
_lock = threading.Lock()
REFUSED_TEXTS: list[tuple[str, str, float, int, str]] = []  # channel, conv, at, status, text
DISCONNECTS: list[tuple[str, float]] = []  # web chat conversation, time


def reset() -> None:
    with _lock:
        REFUSED_TEXTS.clear()
        DISCONNECTS.clear()


class TelegramUser(load_users.TelegramUser):
    attempts = int(GIVE_UP_SECONDS / 2) + 1  # the base loop sleeps >= 2 s between tries

    def send(self, turn: Any) -> None:
        # The base loop stops at ``attempts``; Retry-After may stretch it: bound by time.
        deadline = time.time() + GIVE_UP_SECONDS
        original = self.http.post

        def post(*args: Any, **kwargs: Any) -> Any:
            if time.time() > deadline:
                raise load_users.requests.ConnectionError("gave up (campaign cap)")
            return original(*args, **kwargs)

        self.http.post = post
        try:
            super().send(turn)
        finally:
            del self.http.post


class RestUser(load_users.RestUser):
    def on_start(self) -> None:
        super().on_start()
        self._last: Any = None

        def keep(response: Any, *args: Any, **kwargs: Any) -> None:
            self._last = response

        self.http.hooks["response"].append(keep)

    def send(self, turn: Any) -> None:
        self._last = None
        super().send(turn)
        response = self._last
        if response is None:
            turn.responses.append("error")
            return
        turn.responses.append(str(response.status_code))
        if not response.ok:
            try:
                texts = [m.get("text") or "" for m in response.json()]
            except (ValueError, AttributeError):
                texts = []
            with _lock:
                for text in texts:
                    REFUSED_TEXTS.append(
                        ("rest", self.conversation, time.time(), response.status_code, text)
                    )


class WebChatUser(load_users.WebChatUser):
    def dropped(self) -> None:
        with _lock:  # a socket that dropped (not our own close)
            DISCONNECTS.append((self.name["id"], time.time()))
        super().dropped()


USER_CLASSES = [WebChatUser, TelegramUser, load_users.XUser, RestUser]
