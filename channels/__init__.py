"""Input and output channels: web chat, REST (and later Telegram and X)."""
