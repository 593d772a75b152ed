"""SSCN Helpdesk domain logic: knowledge base, classification, privacy.

Nothing in this package imports Rasa at module level; ``bot.rasa_nlu`` is the
single adapter that loads a trained Rasa model, and only when asked to.
"""
