"""The product's X mention poller (``sscn twitter poll``) against the local fake X API.

tweepy's Client always talks to https://api.twitter.com; this wrapper rewrites that
host to ``LOAD_FAKE_X_URL`` in ``requests`` and then runs the unchanged poller
(channels/twitter/cli.py). Runs in the main venv (it imports the product).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import requests

# The product tree the cluster runs (a snapshot, see cluster.snapshot), else this one.
sys.path.insert(0, os.environ.get("LOAD_SOURCE_DIR") or str(Path(__file__).resolve().parents[2]))
REAL_HOST = "https://api.twitter.com"


def redirect_x(fake_url: str) -> None:
    original = requests.Session.request

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001 (requests' signature)
        if isinstance(url, str) and url.startswith(REAL_HOST):
            url = fake_url.rstrip("/") + url[len(REAL_HOST) :]
        return original(self, method, url, *args, **kwargs)

    requests.Session.request = request


def main() -> int:
    redirect_x(os.environ["LOAD_FAKE_X_URL"])
    from channels.twitter.cli import handler

    return handler(argparse.Namespace(once=False))


if __name__ == "__main__":
    sys.exit(main())
