"""``sscn console``: serve the agents' console (http://localhost:8080 by default)."""

from __future__ import annotations

import argparse
import os

from console.app import create_app


def serve(args: argparse.Namespace) -> int:
    port = args.port or int(os.environ.get("SSCN_CONSOLE_PORT", "8080"))
    app = create_app()
    app.run(host=args.host, port=port, access_log=False, workers=1, auto_reload=False)
    return 0
