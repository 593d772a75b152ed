"""Objects shared by every action of this action-server process."""

from __future__ import annotations

from functools import cache

from bot.intake import IntakeDesk
from bot.services import Services

services = Services()
seasons = services.seasons


@cache
def intake_desk() -> IntakeDesk:
    """The ledger and its outbox, opened on first use."""
    return IntakeDesk.from_env()
