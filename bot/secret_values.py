"""Secrets from the environment: ``NAME`` itself, or a file named by ``NAME_FILE``.

A file (e.g. a mounted secret) keeps the value out of the process environment
that other users of the host could read in ``/proc``; neither form ever puts it
on a command line.
"""

from __future__ import annotations

import os
from pathlib import Path


class MissingSecret(RuntimeError):
    """A required secret is set neither directly nor through a file."""


def read_secret(name: str, required: bool = False) -> str | None:
    """The value of ``name`` or of the file ``name_FILE`` points to (stripped)."""
    value = os.environ.get(name, "").strip()
    if not value and os.environ.get(f"{name}_FILE"):
        value = Path(os.environ[f"{name}_FILE"]).read_text(encoding="utf-8").strip()
    if not value and required:
        raise MissingSecret(f"{name} (or {name}_FILE) must be set")
    return value or None
