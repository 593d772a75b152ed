"""Rasa SDK actions: a thin layer that turns tracker state into calls to ``bot/``."""
