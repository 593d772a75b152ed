"""The action server (``python -m actions.server``): Rasa SDK's app, reachable by Rasa only.

Rasa SDK's own ``rasa run actions`` listens on every interface and runs any
action for anyone who can reach it, e.g. ``action_file_case`` in another
applicant's name. This server listens on ``SSCN_ACTIONS_HOST`` (127.0.0.1) and
``SSCN_ACTIONS_PORT`` (5055), and every route but ``/health`` requires the
shared secret ``SSCN_ACTION_TOKEN`` (or ``SSCN_ACTION_TOKEN_FILE``) in the
``X-SSCN-Action-Token`` header, which Rasa sends from ``endpoints.yml``.
Errors never echo the request (it holds the whole conversation).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.runtime import services
from bot.gc_freeze import freeze_startup_objects
from bot.kb.store import KnowledgeBaseError

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-SSCN-Action-Token"
OPEN_PATHS = frozenset({"/health"})


def build_app(token: str, actions_package: str = "actions") -> Sanic:
    """Rasa SDK's app with the shared-secret check in front of it."""
    app = create_app(actions_package, cors_origins=None)
    expected = token.encode()

    @app.on_request
    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get(TOKEN_HEADER) or "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "not authenticated"}, status=401)
        return None

    @app.before_server_start
    async def warm_up(_app: Sanic, _loop: object) -> None:
        """Fit the knowledge base's index and the topic classifier before the first
        applicant waits for them (a restarted server took 6-8 s for its first calls),
        then keep the start-up objects out of garbage collection."""
        try:
            await asyncio.to_thread(services.knowledge_base.current)
        except KnowledgeBaseError:
            logger.exception("knowledge base unusable at start; actions will say so")
        await asyncio.to_thread(lambda: services.topics)
        if services.outbox.keys():
            services.intake.start_retrying()  # filings an earlier run left in the outbox
        frozen = freeze_startup_objects()
        logger.info("action server ready (%d start-up objects frozen)", frozen)

    @app.exception(Exception)
    async def on_error(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, SanicException):
            status = error.status_code
            return response.json({"error": str(error) or "bad request"}, status=status)
        logger.exception("action server: %s %s failed", request.method, request.path)
        return response.json({"error": "action failed"}, status=500)

    return app


def main() -> None:
    """Serve until stopped; refuses to start without the shared secret."""
    os.umask(0o077)
    settings = services.settings
    logging.basicConfig(level=settings.log_level)
    if not settings.action_token:
        raise SystemExit("SSCN_ACTION_TOKEN (or SSCN_ACTION_TOKEN_FILE) must be set")
    app = build_app(settings.action_token)
    host, port = settings.actions_host, settings.actions_port
    logger.info("action server on http://%s:%s", host, port)
    app.run(host=host, port=port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
