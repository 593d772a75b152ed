"""The one adapter in ``bot/`` that loads a trained Rasa model (lazily).

Used by command-line tools (``sscn classify``, the benchmark) that need the
NLU without running a Rasa server.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.classify import IntentGuess


class RasaIntentParser:
    """Parses texts with a trained Rasa model; load once, call many times."""

    def __init__(self, model_path: Path) -> None:
        from rasa.core.agent import Agent  # heavy import, only when needed

        _quiet_structlog()
        self._loop = asyncio.new_event_loop()
        self._agent = Agent.load(str(model_path))

    def parse(self, text: str) -> dict:
        """Rasa's full parse result for ``text``."""
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def __call__(self, text: str) -> list[IntentGuess]:
        result = self.parse(text)
        return [
            IntentGuess(item["name"], float(item["confidence"]))
            for item in result.get("intent_ranking") or [result["intent"]]
        ]


def _quiet_structlog() -> None:
    """Rasa's structlog prints debug lines (with message texts) to stdout by default."""
    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


def latest_model(models_dir: Path) -> Path:
    """The newest ``*.tar.gz`` in ``models_dir``."""
    models = sorted(Path(models_dir).glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"no trained model in {models_dir}: run `make train`")
    return models[-1]
