"""X (Twitter) mentions: the Rasa input channel and the mention poller."""

from channels.twitter.channel import TwitterInput, TwitterOutput

__all__ = ["TwitterInput", "TwitterOutput"]
