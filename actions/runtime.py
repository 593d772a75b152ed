"""Objects shared by every action of this action-server process."""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from zoneinfo import ZoneInfo

from bot.intake import IntakeDesk
from bot.seasons import SeasonStore
from bot.services import Services

services = Services()
seasons = SeasonStore(services.settings.kb_dir / "config" / "seasons.yml")
TIMEZONE = ZoneInfo(os.environ.get("SSCN_TIMEZONE", "Asia/Jakarta"))


def today() -> dt.date:
    """Today's date where the helpdesk works (WIB by default)."""
    return dt.datetime.now(TIMEZONE).date()


@cache
def intake_desk() -> IntakeDesk:
    """The ledger and its outbox, opened on first use."""
    return IntakeDesk.from_env()
