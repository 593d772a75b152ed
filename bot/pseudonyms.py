"""Keyed pseudonyms of conversation ids, for records whose applicant data is gone.

An anonymised row keeps ``"<channel>:anon-<32 hex>"`` instead of the conversation
id: an HMAC-SHA256 under a key derived from the ledger key, so every row of one
conversation gets the same pseudonym in every table (the reports' conversation and
containment counts stay equal), while nobody without the key can tell whose it was.
The privacy audit names an erased applicant by the same hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.config import Settings
from bot.conversations import CHANNELS, SEPARATOR

DIGEST_CHARS = 32
MARKER = "anon-"
_PSEUDONYM = re.compile(rf"^[a-z]+{SEPARATOR}{MARKER}[0-9a-f]{{{DIGEST_CHARS}}}$")
# SQL LIKE pattern of a pseudonym (rows already anonymised are skipped with it).
PSEUDONYM_LIKE = f"%{SEPARATOR}{MARKER}" + "_" * DIGEST_CHARS
_CONTEXT = b"sscn-pseudonym:"
UNKNOWN_CHANNEL = "x"  # prefix for ids that name no known channel (old rows)


class Pseudonyms:
    """The keyed hash and pseudonym of a conversation id."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("pseudonyms need a secret")
        self._key = hashlib.sha256(_CONTEXT + raw).digest()

    def digest(self, conversation_id: str) -> str:
        """The keyed hash of ``conversation_id`` (what the privacy audit stores)."""
        mac = hmac.new(self._key, conversation_id.encode("utf-8", "surrogatepass"), "sha256")
        return mac.hexdigest()[:DIGEST_CHARS]

    def of(self, conversation_id: str) -> str:
        """``"<channel>:anon-<hash>"``; a pseudonym stays as it is."""
        if is_pseudonym(conversation_id):
            return conversation_id
        channel = conversation_id.split(SEPARATOR, 1)[0] if SEPARATOR in conversation_id else ""
        prefix = channel if channel in CHANNELS else UNKNOWN_CHANNEL
        return f"{prefix}{SEPARATOR}{MARKER}{self.digest(conversation_id)}"


def is_pseudonym(value: str | None) -> bool:
    return isinstance(value, str) and _PSEUDONYM.match(value) is not None


def ledger_secret(settings: Settings) -> str:
    """The ledger key, or the development key file ``Services.cipher`` created."""
    if settings.ledger_key:
        return settings.ledger_key
    return (settings.var_dir / "ledger.key").read_text(encoding="ascii").strip()
