"""Encryption at rest for NIK and contact data (Fernet: AES-128-CBC + HMAC)."""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)
DEV_KEY_FILE = PROJECT_ROOT / "var" / "ledger.key"


class FieldCipher:
    """Encrypts and decrypts single text fields with one key."""

    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The clear text; ``ValueError`` when the token was not made with this key."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise ValueError("cannot decrypt: wrong SSCN_LEDGER_KEY or damaged data") from error


def cipher_for(key: str | None, dev_key_file: Path = DEV_KEY_FILE) -> FieldCipher:
    """A cipher with ``key``; without one, a development key generated once into
    ``dev_key_file``."""
    if key:
        return FieldCipher(key)
    if not dev_key_file.exists():
        dev_key_file.parent.mkdir(parents=True, exist_ok=True)
        dev_key_file.write_bytes(Fernet.generate_key())
        dev_key_file.chmod(0o600)
        logger.warning("SSCN_LEDGER_KEY not set: generated a development key in %s", dev_key_file)
    return FieldCipher(dev_key_file.read_bytes().strip())
