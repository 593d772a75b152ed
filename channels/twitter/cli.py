"""Handler of ``sscn twitter poll [--once]`` (the parser is in bot/cli.py)."""

from __future__ import annotations

import argparse
import os
import sys

NEEDS = (
    "TWITTER_API_KEY",
    "TWITTER_API_SECRET",
    "TWITTER_ACCESS_TOKEN",
    "TWITTER_ACCESS_SECRET",
    "SSCN_POLLER_TOKEN",
)


def poll(args: argparse.Namespace) -> int:
    from bot.ledger.db import make_engine, make_sessionmaker
    from bot.ledger.messages import MessageLog
    from channels.twitter.poller import MentionPoller, client_from_env, http_forward

    missing = [name for name in NEEDS if not os.environ.get(name)]
    if missing:
        print(f"sscn twitter poll: set {', '.join(missing)} (see .env.example)", file=sys.stderr)
        return 2
    client = client_from_env()
    user_id = os.environ.get("TWITTER_USER_ID") or str(client.get_me(user_auth=True).data.id)
    rasa_url = os.environ.get("SSCN_RASA_URL", "http://127.0.0.1:5005")
    poller = MentionPoller(
        client,
        user_id,
        MessageLog(make_sessionmaker(make_engine())),
        http_forward(rasa_url, os.environ["SSCN_POLLER_TOKEN"]),
    )
    if args.once:
        print(f"{poller.poll_once()} mention(s) answered")
        return 0
    interval = float(os.environ.get("SSCN_TWITTER_POLL_SECONDS", "60"))
    print(f"polling mentions of {user_id} every {interval:.0f} s (Ctrl-C stops)", flush=True)
    try:
        poller.run_forever(interval)
    except KeyboardInterrupt:
        return 0
    return 0
