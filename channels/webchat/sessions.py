"""Web chat sessions issued and signed by the server.

A session token is ``<session>.<signature>``: 128 random bits and their
HMAC-SHA256 under the web chat secret. The browser keeps the token; the
conversation id is ``webchat:<session>``. Only a token whose signature verifies
names a session, so nobody can join or write to a conversation by proposing
its id. Every Rasa instance must share the secret (``SSCN_WEBCHAT_SECRET``);
when it is empty, one is generated once into ``var/webchat.key`` (mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

from bot.config import Settings

logger = logging.getLogger(__name__)
SECRET_ENV = "SSCN_WEBCHAT_SECRET"
KEY_FILE_NAME = "webchat.key"  # under SSCN_VAR_DIR
TOKEN_PATTERN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{64})$")
_CONTEXT = b"sscn-webchat-session:"


class SessionSigner:
    """Issues session tokens and tells which session a token names."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError(f"{SECRET_ENV} must be at least 16 characters")
        self._secret = secret

    def issue(self) -> tuple[str, str]:
        """A new session and its token."""
        session = secrets.token_hex(16)
        return session, f"{session}.{self._sign(session)}"

    def verify(self, token: Any) -> str | None:
        """The session a token issued by us names; None for anything else."""
        match = TOKEN_PATTERN.match(token) if isinstance(token, str) else None
        if match is None:
            return None
        session, signature = match.groups()
        return session if hmac.compare_digest(signature, self._sign(session)) else None

    def _sign(self, session: str) -> str:
        return hmac.new(self._secret, _CONTEXT + session.encode(), hashlib.sha256).hexdigest()


def signer_for(settings: Settings) -> SessionSigner:
    """``SSCN_WEBCHAT_SECRET`` (or ``_FILE``), or a secret generated once into
    ``SSCN_VAR_DIR/webchat.key``."""
    secret = settings.webchat_secret
    key_file = settings.var_dir / KEY_FILE_NAME
    return SessionSigner(secret.encode() if secret else _stored_secret(key_file))


def _stored_secret(path: Path) -> bytes:
    """The secret in ``path``, created (mode 0600) by the first process that needs it;
    processes starting together all end up with the same one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)  # atomic: fails if another process was first
            logger.warning("%s not set: generated the web chat secret in %s", SECRET_ENV, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()
