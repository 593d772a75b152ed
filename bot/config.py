"""Every setting of the helpdesk, read from the environment once per process.

``Settings.from_env()`` is the only reader of ``os.environ`` in the product (the
Rasa server's own ``${VAR}`` substitution in ``endpoints.yml`` aside). Each field
names its variable and default; ``.env.example`` documents the same variables
and a test keeps the two in step. A secret may also come from a file named by
``NAME_FILE`` (a mounted secret), which keeps it out of ``/proc/*/environ``.

A process builds its settings at its entry point and hands them on (usually
inside :class:`bot.services.Services`); code deep in a call chain that has no
object to receive them from calls :func:`current_settings`, which reads the
environment on its first call only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Mon-Thu 08.00-15.30 with a break 12.00-12.30, Fri 08.30-16.00 with a break
# 11.30-12.30 (BKN's walk-in service standard, 2019 report, 2.3.2.1).
DEFAULT_SERVICE_HOURS = "mon-thu 08:00-12:00,12:30-15:30; fri 08:30-11:30,12:30-16:00"


class SettingsError(ValueError):
    """A variable holds a value the helpdesk cannot use (the message names it)."""


def _text(value: str) -> str:
    return value.strip()


def _path(value: str) -> Path:
    path = Path(value.strip())
    return path if path.is_absolute() else PROJECT_ROOT / path


def _optional_path(value: str) -> Path | None:
    return _path(value) if value.strip() else None


def _integer(value: str) -> int:
    return int(value.strip())


def _number(value: str) -> float:
    return float(value.strip())


def _flag(value: str) -> bool:
    return value.strip() == "1"


def _zone(value: str) -> ZoneInfo:
    return ZoneInfo(value.strip())


def _time_of_day(value: str) -> dt.time:
    hours, minutes = (int(part) for part in value.strip().split(":"))
    return dt.time(hours, minutes)


def _words(value: str) -> tuple[str, ...]:
    return tuple(word for word in value.replace(",", " ").split() if word)


def setting(
    env: str, default: str = "", parse: Callable[[str], Any] = _text, secret: bool = False
) -> Any:
    """A field read from ``env`` (``default`` when unset or empty), parsed by ``parse``."""
    return field(metadata={"env": env, "default": default, "parse": parse, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Every ``SSCN_*``, ``TELEGRAM_*``, ``TWITTER_*`` and cluster variable, parsed."""

    # --- Knowledge base, training data, models ------------------------------
    kb_dir: Path = setting("SSCN_KB_DIR", "knowledge_base", _path)
    nlu_dir: Path = setting("SSCN_NLU_DIR", "nlu_data", _path)
    models_dir: Path = setting("SSCN_MODELS_DIR", "models", _path)
    max_message_chars: int = setting("SSCN_MAX_MESSAGE_CHARS", "2000", _integer)
    log_level: str = setting("SSCN_LOG_LEVEL", "INFO")
    max_request_bytes: int = setting("SSCN_MAX_REQUEST_BYTES", "4000000", _integer)
    # --- Working time -----------------------------------------------------
    timezone: ZoneInfo = setting("SSCN_TIMEZONE", "Asia/Jakarta", _zone)
    service_hours: str = setting("SSCN_SERVICE_HOURS", DEFAULT_SERVICE_HOURS)
    days_off_file: Path = setting(
        "SSCN_DAYS_OFF_FILE", "knowledge_base/config/cuti-bersama.yml", _path
    )
    # When the daily jobs (FAQ suggestions, privacy purge) run, local time.
    daily_at: dt.time = setting("SSCN_DAILY_AT", "02:00", _time_of_day)
    # --- Ledger -------------------------------------------------------------
    database_url: str = setting("SSCN_DATABASE_URL")
    outbox_dir: Path = setting("SSCN_OUTBOX_DIR", "var/outbox", _path)
    outbox_retry_seconds: float = setting("SSCN_OUTBOX_RETRY_SECONDS", "30", _number)
    db_connect_timeout: int = setting("SSCN_DB_CONNECT_TIMEOUT", "3", _integer)
    tracker_db: str = setting("SSCN_TRACKER_DB", "var/tracker.db")
    ledger_key: str = setting("SSCN_LEDGER_KEY", secret=True)
    # Retention of applicants' data (UU 27/2022; bot/retention.py), in days.
    retain_transcript_days: int = setting("SSCN_RETAIN_TRANSCRIPT_DAYS", "90", _integer)
    retain_closed_case_days: int = setting("SSCN_RETAIN_CLOSED_CASE_DAYS", "730", _integer)
    retain_question_days: int = setting("SSCN_RETAIN_QUESTION_DAYS", "180", _integer)
    # --- Servers ------------------------------------------------------------
    rasa_host: str = setting("SSCN_RASA_HOST", "127.0.0.1")
    rasa_port: int = setting("SSCN_RASA_PORT", "5005", _integer)
    actions_host: str = setting("SSCN_ACTIONS_HOST", "127.0.0.1")
    actions_port: int = setting("SSCN_ACTIONS_PORT", "5055", _integer)
    model: Path = setting("SSCN_MODEL", "models/sscn.tar.gz", _path)
    endpoints: Path = setting("SSCN_ENDPOINTS", "endpoints.yml", _path)
    credentials: Path = setting("SSCN_CREDENTIALS", "credentials.yml", _path)
    var_dir: Path = setting("SSCN_VAR_DIR", "var", _path)
    rasa_auth_token: str = setting("SSCN_RASA_AUTH_TOKEN", secret=True)
    action_token: str = setting("SSCN_ACTION_TOKEN", secret=True)
    action_endpoint_url: str = setting("SSCN_ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    webchat_secret: str = setting("SSCN_WEBCHAT_SECRET", secret=True)
    rest_channel: bool = setting("SSCN_REST_CHANNEL", "0", _flag)
    rest_token: str = setting("SSCN_REST_TOKEN", secret=True)
    message_claim_seconds: float = setting("SSCN_MESSAGE_CLAIM_SECONDS", "120", _number)
    webchat_origins: tuple[str, ...] = setting("SSCN_WEBCHAT_ORIGINS", "", _words)
    rasa_url: str = setting("SSCN_RASA_URL", "http://127.0.0.1:5005")
    # --- Production stores (also substituted by Rasa into endpoints files) ---
    tracker_host: str = setting("SSCN_TRACKER_HOST", "127.0.0.1")
    tracker_port: int = setting("SSCN_TRACKER_PORT", "5432", _integer)
    tracker_user: str = setting("SSCN_TRACKER_USER", "postgres")
    tracker_password: str = setting("SSCN_TRACKER_PASSWORD", secret=True)
    tracker_login_db: str = setting("SSCN_TRACKER_LOGIN_DB", "postgres")
    redis_host: str = setting("SSCN_REDIS_HOST", "127.0.0.1")
    redis_port: int = setting("SSCN_REDIS_PORT", "6379", _integer)
    redis_db: int = setting("SSCN_REDIS_DB", "1", _integer)
    # --- `make cluster` ---------------------------------------------------
    n_rasa: int = setting("N_RASA", "2", _integer)
    n_actions: int = setting("N_ACTIONS", "2", _integer)
    cluster_port: int = setting("SSCN_CLUSTER_PORT", "8000", _integer)
    cluster_actions_lb_port: int = setting("SSCN_CLUSTER_ACTIONS_LB_PORT", "5055", _integer)
    cluster_rasa_port: int = setting("SSCN_CLUSTER_RASA_PORT", "5010", _integer)
    cluster_actions_port: int = setting("SSCN_CLUSTER_ACTIONS_PORT", "5060", _integer)
    cluster_dir: Path | None = setting("SSCN_CLUSTER_DIR", "", _optional_path)
    # --- Telegram -----------------------------------------------------------
    telegram_token: str = setting("TELEGRAM_TOKEN", secret=True)
    telegram_webhook_secret: str = setting("TELEGRAM_WEBHOOK_SECRET", secret=True)
    telegram_webhook_url: str = setting("TELEGRAM_WEBHOOK_URL")
    telegram_api_base_url: str = setting("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
    telegram_poll_timeout: int = setting("TELEGRAM_POLL_TIMEOUT", "50", _integer)
    broadcast_rate: float = setting("SSCN_BROADCAST_RATE", "25", _number)
    broadcast_lease_seconds: float = setting("SSCN_BROADCAST_LEASE_SECONDS", "30", _number)
    # --- Agent console ----------------------------------------------------
    console_host: str = setting("SSCN_CONSOLE_HOST", "127.0.0.1")
    console_port: int = setting("SSCN_CONSOLE_PORT", "8080", _integer)
    console_secure_cookies: bool = setting("SSCN_CONSOLE_SECURE_COOKIES", "0", _flag)
    console_trusted_proxy: int = setting("SSCN_CONSOLE_TRUSTED_PROXY", "0", _integer)
    console_login_limit: int = setting("SSCN_CONSOLE_LOGIN_LIMIT", "5", _integer)
    console_login_source_limit: int = setting("SSCN_CONSOLE_LOGIN_SOURCE_LIMIT", "20", _integer)
    console_login_max_wait_minutes: int = setting(
        "SSCN_CONSOLE_LOGIN_MAX_WAIT_MINUTES", "15", _integer
    )
    console_session_hours: int = setting("SSCN_CONSOLE_SESSION_HOURS", "10", _integer)
    # --- X (Twitter) --------------------------------------------------------
    twitter_api_key: str = setting("TWITTER_API_KEY", secret=True)
    twitter_api_secret: str = setting("TWITTER_API_SECRET", secret=True)
    twitter_access_token: str = setting("TWITTER_ACCESS_TOKEN", secret=True)
    twitter_access_secret: str = setting("TWITTER_ACCESS_SECRET", secret=True)
    twitter_bearer_token: str = setting("TWITTER_BEARER_TOKEN", secret=True)
    twitter_user_id: str = setting("TWITTER_USER_ID")
    twitter_poll_seconds: float = setting("SSCN_TWITTER_POLL_SECONDS", "60", _number)
    poller_token: str = setting("SSCN_POLLER_TOKEN", secret=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Parse every variable of ``environ`` (default ``os.environ``); a value that
        cannot be parsed raises :class:`SettingsError` naming the variable."""
        environ = os.environ if environ is None else environ
        values = {}
        for spec in dataclasses.fields(cls):
            meta = spec.metadata
            raw = _raw(environ, meta["env"], meta["secret"]) or meta["default"]
            try:
                values[spec.name] = meta["parse"](raw)
            except (ValueError, ZoneInfoNotFoundError) as error:
                raise SettingsError(f"{meta['env']}={raw!r} is not valid: {error}") from error
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests, one-off commands)."""
        return dataclasses.replace(self, **changes)

    def today(self) -> dt.date:
        """Today's date where the helpdesk works."""
        return dt.datetime.now(self.timezone).date()


def variables() -> dict[str, str]:
    """Each variable ``Settings`` reads, with its default (documentation, tests)."""
    return {spec.metadata["env"]: spec.metadata["default"] for spec in dataclasses.fields(Settings)}


def _raw(environ: Mapping[str, str], name: str, secret: bool) -> str:
    value = (environ.get(name) or "").strip()
    if not value and secret and environ.get(f"{name}_FILE"):
        try:
            value = Path(environ[f"{name}_FILE"]).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SettingsError(f"{name}_FILE cannot be read: {error}") from error
    return value


@cache
def current_settings() -> Settings:
    """This process's settings, read from the environment on the first call."""
    return Settings.from_env()
