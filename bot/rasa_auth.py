"""How our own processes authenticate to Rasa's HTTP API.

The Rasa server runs with ``--jwt-secret`` (never ``--auth-token``, whose value
travels in URL query strings and shows in ``ps``): callers sign a short-lived
JWT with the shared secret ``SSCN_RASA_AUTH_TOKEN`` and send it in the
``Authorization`` header.
"""

from __future__ import annotations

import time

import jwt

from bot.config import Settings, current_settings

SECRET_ENV = "SSCN_RASA_AUTH_TOKEN"
JWT_METHOD = "HS256"
TOKEN_SECONDS = 300


def api_token(secret: str, subject: str = "sscn", lifetime: int = TOKEN_SECONDS) -> str:
    """A JWT with Rasa's admin role, valid for ``lifetime`` seconds."""
    now = int(time.time())
    claims = {"user": {"username": subject, "role": "admin"}, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm=JWT_METHOD)


class MissingSecret(RuntimeError):
    """``SSCN_RASA_AUTH_TOKEN`` (or ``SSCN_RASA_AUTH_TOKEN_FILE``) is not set."""


def rasa_secret(settings: Settings) -> str:
    """The JWT secret of Rasa's API; refuses to go on without one."""
    if not settings.rasa_auth_token:
        raise MissingSecret(f"{SECRET_ENV} (or {SECRET_ENV}_FILE) must be set")
    return settings.rasa_auth_token


def api_headers(secret: str | None = None, subject: str = "sscn") -> dict[str, str]:
    """``Authorization`` header for Rasa's API; the secret defaults to the settings'."""
    secret = secret or rasa_secret(current_settings())
    return {"Authorization": f"Bearer {api_token(secret, subject)}"}
