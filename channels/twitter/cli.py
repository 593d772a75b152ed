"""``sscn twitter poll [--once]``: answer X mentions through the local Rasa (the parser
is in bot/cli.py; ``poll`` imports tweepy and the ledger only when run)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.services import Services

# The settings the poller needs, with the variables that set them.
NEEDS = {
    "twitter_api_key": "TWITTER_API_KEY",
    "twitter_api_secret": "TWITTER_API_SECRET",
    "twitter_access_token": "TWITTER_ACCESS_TOKEN",
    "twitter_access_secret": "TWITTER_ACCESS_SECRET",
    "poller_token": "SSCN_POLLER_TOKEN",
}


def poll(args: argparse.Namespace, services: Services) -> int:
    """Run the mention poller: one round with ``--once``, else until SIGTERM or Ctrl-C."""
    from channels.twitter.poller import MentionPoller, client_for, http_forward

    settings = services.settings
    missing = [env for name, env in NEEDS.items() if not getattr(settings, name)]
    if missing:
        print(f"sscn twitter poll: set {', '.join(missing)} (see .env.example)", file=sys.stderr)
        return 2
    logging.getLogger("channels.twitter").setLevel(logging.INFO)
    poller = MentionPoller(
        client_for(settings),
        services.message_log,
        user_id=settings.twitter_user_id or None,
        forward=http_forward(settings.rasa_url, settings.poller_token),
    )
    if getattr(args, "once", False):
        print(f"{poller.poll_once()} mention(s) answered")
        return 0
    interval = settings.twitter_poll_seconds
    print(f"polling mentions of {poller.user_id} every {interval:.0f} s", flush=True)
    poller.run_forever(interval)
    return 0
