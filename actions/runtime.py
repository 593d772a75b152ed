"""Objects shared by every action of this action-server process."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from bot.services import Services

services = Services()
TIMEZONE = ZoneInfo(os.environ.get("SSCN_TIMEZONE", "Asia/Jakarta"))


def today() -> dt.date:
    """Today's date where the helpdesk works (WIB by default)."""
    return dt.datetime.now(TIMEZONE).date()
