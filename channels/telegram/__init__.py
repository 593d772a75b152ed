"""Telegram: webhook input channel, output through the Bot API, long-polling bridge."""

from channels.telegram.channel import TelegramInput, TelegramOutput

__all__ = ["TelegramInput", "TelegramOutput"]
