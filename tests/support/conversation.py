"""REST conversations with a running bot: fresh senders, the replies' texts and buttons."""

from __future__ import annotations

import re
import uuid

import requests

TICKET = re.compile(r"SSCN-\d{4}-\d{5}")


def sender() -> str:
    """A sender id no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(response: requests.Response) -> list[str]:
    """The texts of a REST reply (which must be a 200)."""
    assert response.status_code == 200, response.text
    return [message.get("text", "") for message in response.json()]


def buttons(response: requests.Response) -> list[str]:
    """The payloads of a REST reply's buttons."""
    return [b["payload"] for m in response.json() for b in m.get("buttons", [])]
