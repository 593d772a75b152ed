"""``sscn console``: serve the agents' console (http://localhost:8080 by default)."""

from __future__ import annotations

import argparse

from bot.services import Services
from console.app import create_app


def serve(args: argparse.Namespace, services: Services | None = None) -> int:
    """Serve on ``args.host``/``args.port`` (default ``SSCN_CONSOLE_HOST``/``_PORT``)."""
    services = services or Services()
    port = args.port or services.settings.console_port
    app = create_app(services)
    app.run(host=args.host, port=port, access_log=False, workers=1, auto_reload=False)
    return 0
