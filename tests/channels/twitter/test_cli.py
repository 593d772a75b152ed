"""``sscn twitter poll``: the parser and the checks before polling."""

from __future__ import annotations

import argparse

from channels.twitter.cli import NEEDS, add_twitter_commands, handler


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sscn")
    add_twitter_commands(root.add_subparsers(title="commands"))
    return root


def test_twitter_poll_parses_with_and_without_once():
    args = parser().parse_args(["twitter", "poll", "--once"])
    assert args.once is True and args.handler is handler
    assert parser().parse_args(["twitter", "poll"]).once is False


def test_missing_credentials_are_named_and_exit_2(monkeypatch, capsys):
    for name in NEEDS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWITTER_API_KEY", "k")
    assert handler(parser().parse_args(["twitter", "poll", "--once"])) == 2
    error = capsys.readouterr().err
    assert "TWITTER_API_SECRET" in error and "SSCN_POLLER_TOKEN" in error
    assert "TWITTER_API_KEY," not in error
