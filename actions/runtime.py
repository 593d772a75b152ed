"""The action server's composition root: its services, built once from its settings."""

from __future__ import annotations

from bot.config import current_settings
from bot.desk import CaseDesk
from bot.services import Services

services = Services(current_settings())
seasons = services.seasons


def desk() -> CaseDesk:
    """Every case operation the actions need (filing, status, rating, lookups)."""
    return services.desk  # looked up per call: tests give the module other services
