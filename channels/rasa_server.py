"""Start the Rasa server the way every SSCN process expects it (``python -m channels.rasa_server``).

Configuration comes from the environment only, so no secret appears on a
command line (``ps``) or in a URL:

The settings are read once (``bot.config.Settings``):

- ``SSCN_RASA_HOST`` (127.0.0.1) and ``SSCN_RASA_PORT`` (5005): where it listens;
- ``SSCN_MODEL`` (models/sscn.tar.gz), ``SSCN_ENDPOINTS`` (endpoints.yml),
  ``SSCN_CREDENTIALS`` (credentials.yml);
- ``SSCN_RASA_AUTH_TOKEN`` or ``SSCN_RASA_AUTH_TOKEN_FILE``: the JWT secret of
  the HTTP API (required: the API can pause conversations and speak as the bot);
- ``SSCN_WEBCHAT_ORIGINS``: space- or comma-separated origins allowed by CORS
  (empty: none; the web chat page is served by this server, same origin);
- ``SSCN_MAX_REQUEST_BYTES`` (4,000,000): larger request bodies get 413 before
  they are read (Sanic's default is 100 MB; a Telegram message is 4,096 characters).

Files it creates (logs, SQLite tracker store) are readable by its user only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from bot.config import Settings, current_settings
from bot.rasa_auth import JWT_METHOD, rasa_secret


def cors_origins(configured: Iterable[str]) -> list[str]:
    """Configured origins; ``*`` is refused (it would let any site use the API)."""
    origins = list(configured)
    if "*" in origins:
        raise SystemExit("SSCN_WEBCHAT_ORIGINS must list origins, not '*'")
    return origins


def rasa_arguments(settings: Settings) -> list[str]:
    """The ``rasa run`` arguments, secret included (passed in-process only)."""
    arguments = [
        "run",
        "--model",
        str(settings.model),
        "--endpoints",
        str(settings.endpoints),
        "--credentials",
        str(settings.credentials),
        "--interface",
        settings.rasa_host,
        "--port",
        str(settings.rasa_port),
        "--enable-api",
        "--jwt-secret",
        rasa_secret(settings),
        "--jwt-method",
        JWT_METHOD,
    ]
    origins = cors_origins(settings.webchat_origins)
    if origins:
        arguments += ["--cors", *origins]
    return arguments


def main() -> None:
    """Run Rasa in this process; ``sys.argv`` changes here never reach ``ps``."""
    os.umask(0o077)
    settings = current_settings()  # the channels and stores Rasa builds read the same
    # Sanic reads SANIC_* variables into the app's config when the app is created.
    os.environ["SANIC_REQUEST_MAX_SIZE"] = str(settings.max_request_bytes)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(settings), *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
