"""Opt-in announcements on Telegram: subscriptions (``/langganan``, ``/berhenti``),
broadcasts Humas composes in the console, and the worker that sends them.

- ``subscriptions``: who wants announcements (active / stopped / inactive);
- ``message``: the text and button an applicant receives (also the console preview);
- ``broadcasts``: compose, start (snapshot of the active subscribers), pause,
  resume, cancel, progress, erasure and retention;
- ``sending``: the worker (lease, pacing, at most one message per recipient) and
  the port it sends through (``channels.telegram.broadcast`` is the adapter).
"""
