"""``sscn twitter poll``: the parser (bot/cli.py) and the checks before polling."""

from __future__ import annotations

from bot.cli import main
from channels.twitter.cli import NEEDS


def test_twitter_poll_parses_with_and_without_once(monkeypatch, capsys):
    for name in NEEDS.values():
        monkeypatch.delenv(name, raising=False)
    assert main(["twitter", "poll", "--once"]) == 2  # parsed, then refused: no credentials
    assert main(["twitter", "poll"]) == 2
    assert "TWITTER_API_KEY" in capsys.readouterr().err


def test_missing_credentials_are_named_and_exit_2(monkeypatch, capsys):
    for name in NEEDS.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWITTER_API_KEY", "k")
    assert main(["twitter", "poll", "--once"]) == 2
    error = capsys.readouterr().err
    assert "TWITTER_API_SECRET" in error and "SSCN_POLLER_TOKEN" in error
    assert "TWITTER_API_KEY," not in error
