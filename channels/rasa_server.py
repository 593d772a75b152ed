"""Start the Rasa server the way every SSCN process expects it (``python -m channels.rasa_server``).

Configuration comes from the environment only, so no secret appears on a
command line (``ps``) or in a URL:

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
import re
import sys

from bot.rasa_auth import JWT_METHOD, SECRET_ENV
from bot.secret_values import read_secret


def cors_origins(value: str | None) -> list[str]:
    """Configured origins; ``*`` is refused (it would let any site use the API)."""
    origins = [origin for origin in re.split(r"[\s,]+", value or "") if origin]
    if "*" in origins:
        raise SystemExit("SSCN_WEBCHAT_ORIGINS must list origins, not '*'")
    return origins


def rasa_arguments(environ: os._Environ | dict[str, str]) -> list[str]:
    """The ``rasa run`` arguments, secret included (passed in-process only)."""
    secret = read_secret(SECRET_ENV, required=True)
    arguments = [
        "run",
        "--model",
        environ.get("SSCN_MODEL", "models/sscn.tar.gz"),
        "--endpoints",
        environ.get("SSCN_ENDPOINTS", "endpoints.yml"),
        "--credentials",
        environ.get("SSCN_CREDENTIALS", "credentials.yml"),
        "--interface",
        environ.get("SSCN_RASA_HOST", "127.0.0.1"),
        "--port",
        environ.get("SSCN_RASA_PORT", "5005"),
        "--enable-api",
        "--jwt-secret",
        secret,
        "--jwt-method",
        JWT_METHOD,
    ]
    origins = cors_origins(environ.get("SSCN_WEBCHAT_ORIGINS"))
    if origins:
        arguments += ["--cors", *origins]
    return arguments


def main() -> None:
    """Run Rasa in this process; ``sys.argv`` changes here never reach ``ps``."""
    os.umask(0o077)
    # Sanic reads SANIC_* variables into the app's config when the app is created.
    os.environ["SANIC_REQUEST_MAX_SIZE"] = os.environ.get("SSCN_MAX_REQUEST_BYTES", "4000000")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(os.environ), *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
