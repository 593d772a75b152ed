"""``sscn twitter poll [--once]``: answer X mentions through the local Rasa.

``add_twitter_commands(commands)`` adds the ``twitter`` command to the subparsers
of ``sscn``; ``handler(args)`` runs it (imports tweepy and the ledger only then).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

NEEDS = (
    "TWITTER_API_KEY",
    "TWITTER_API_SECRET",
    "TWITTER_ACCESS_TOKEN",
    "TWITTER_ACCESS_SECRET",
    "SSCN_POLLER_TOKEN",
)


def add_twitter_commands(subparsers: Any) -> None:
    """``twitter poll [--once]`` on the ``sscn`` subparsers object."""
    twitter = subparsers.add_parser("twitter", help="X (Twitter) mentions").add_subparsers(
        title="twitter"
    )
    poll_parser = twitter.add_parser(
        "poll",
        help="answer mentions through the local Rasa (needs TWITTER_* and SSCN_POLLER_TOKEN)",
    )
    poll_parser.add_argument("--once", action="store_true", help="one round, then exit")
    poll_parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    """Run the mention poller: one round with ``--once``, else until SIGTERM or Ctrl-C."""
    from bot.ledger.db import make_engine, make_sessionmaker
    from bot.ledger.messages import MessageLog
    from channels.twitter.poller import MentionPoller, client_from_env, interval_from_env

    missing = [name for name in NEEDS if not os.environ.get(name)]
    if missing:
        print(f"sscn twitter poll: set {', '.join(missing)} (see .env.example)", file=sys.stderr)
        return 2
    logging.getLogger("channels.twitter").setLevel(logging.INFO)
    poller = MentionPoller(client_from_env(), MessageLog(make_sessionmaker(make_engine())))
    if getattr(args, "once", False):
        print(f"{poller.poll_once()} mention(s) answered")
        return 0
    interval = interval_from_env()
    print(f"polling mentions of {poller.user_id} every {interval:.0f} s", flush=True)
    poller.run_forever(interval)
    return 0


poll = handler  # the name bot/cli.py refers to
