"""The gate every channel passes an applicant's text through before Rasa sees it.

It drops empty messages, works on a bounded prefix of the text, cuts long ones,
and replaces NIK, phone numbers and e-mail addresses with placeholders, so none
of them reaches the tracker store, the logs or a reply. The contacts it removed
travel on, encrypted, in the message metadata: the intake files them with the case.
It also limits what a client may put in a message's metadata.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import current_settings
from bot.ledger.crypto import FieldCipher
from bot.privacy import Redaction, redact, safe_prefix
from bot.vocabulary import Channel

logger = logging.getLogger(__name__)

# Read this much beyond the limit: redaction shortens the text, and a NIK that
# starts before the limit is still seen whole.
PREFIX_MARGIN = 64
MAX_METADATA_CHARS = 200
MAX_METADATA_INT = 2**63 - 1

# Keys the gate adds to a message's metadata; actions read them. A client never sets them.
NIK_REDACTED = "nik_redacted"
TRUNCATED = "truncated"
SEALED_CONTACTS = "sscn_contacts"  # Fernet token of a JSON list (bot.ledger.crypto)

# What each channel may pass on from its client; everything else is dropped.
CHANNEL_METADATA_KEYS: dict[Channel, tuple[str, ...]] = {
    Channel.TELEGRAM: ("display_name", "telegram_update_id"),
    Channel.TWITTER: ("tweet_id", "username", "display_name", "created_at"),
}


@dataclass(frozen=True)
class InboundText:
    """An applicant's message after the gate."""

    text: str
    nik_redacted: bool = False
    truncated: bool = False
    # The e-mail addresses and phone numbers taken out of the text, in clear.
    contacts: tuple[str, ...] = field(default=(), repr=False)

    def metadata(self, cipher: FieldCipher | None = None) -> dict[str, Any]:
        """The gate's keys for the message metadata (only the ones that are set); the
        contacts are sealed with ``cipher`` (default: this process's ledger cipher)."""
        flags = {NIK_REDACTED: self.nik_redacted, TRUNCATED: self.truncated}
        metadata: dict[str, Any] = {key: True for key, value in flags.items() if value}
        if self.contacts:
            metadata[SEALED_CONTACTS] = seal_contacts(self.contacts, cipher)
        return metadata


def _gated(raw: str, max_chars: int) -> tuple[Redaction, bool] | None:
    """The redacted text of a bounded prefix of ``raw`` and whether it was cut."""
    prefix = safe_prefix(raw, max_chars + PREFIX_MARGIN)
    text = prefix.replace("\x00", "").strip()
    if not text:
        return None
    redaction = redact(text)
    truncated = len(prefix) < len(raw) or len(redaction.text) > max_chars
    if len(redaction.text) > max_chars:
        cut = redaction.text[:max_chars].rstrip()
        redaction = Redaction(cut, redaction.nik_found, redaction.contacts)
    return redaction, truncated


def prepare_inbound(raw: Any, max_chars: int | None = None) -> InboundText | None:
    """Clean an incoming message; ``None`` means there is nothing to answer.

    Only the first ``max_chars + PREFIX_MARGIN`` characters are read, so the cost
    does not depend on the length of ``raw`` (``max_chars`` defaults to
    ``SSCN_MAX_MESSAGE_CHARS`` from the settings).
    """
    if not isinstance(raw, str):
        return None
    if max_chars is None:
        max_chars = current_settings().max_message_chars
    gated = _gated(raw, max_chars)
    if gated is None:
        return None
    redaction, truncated = gated
    return InboundText(redaction.text, redaction.nik_found, truncated, redaction.contacts)


def _cipher(cipher: FieldCipher | None) -> FieldCipher:
    from bot.services import process_services  # bot.services imports the intake

    return cipher or process_services().cipher


def seal_contacts(contacts: tuple[str, ...] | list[str], cipher: FieldCipher | None = None) -> str:
    """Contacts encrypted with the ledger key, for the message metadata."""
    return _cipher(cipher).encrypt(json.dumps(list(contacts), ensure_ascii=False))


def sealed_contacts(metadata: Any, cipher: FieldCipher | None = None) -> list[str]:
    """The contacts the gate sealed into a message's metadata (``[]`` if none or unreadable)."""
    token = metadata.get(SEALED_CONTACTS) if isinstance(metadata, dict) else None
    if not isinstance(token, str):
        return []
    try:
        contacts = json.loads(_cipher(cipher).decrypt(token))
    except ValueError:
        logger.warning("Sealed contacts could not be read: wrong SSCN_LEDGER_KEY?")
        return []
    return [c for c in contacts if isinstance(c, str)] if isinstance(contacts, list) else []


def _clean_value(value: Any) -> str | int | None:
    """A short string (personal data redacted), a 64-bit integer, or nothing."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) <= MAX_METADATA_INT else None
    if isinstance(value, str):
        gated = _gated(value, MAX_METADATA_CHARS)
        return gated[0].text if gated else None
    return None


def clean_metadata(channel: str, raw: Any) -> dict[str, str | int]:
    """The client metadata a channel may pass to Rasa: its own keys, bounded scalars."""
    if not isinstance(raw, dict):
        return {}
    cleaned = {key: _clean_value(raw.get(key)) for key in CHANNEL_METADATA_KEYS.get(channel, ())}
    return {key: value for key, value in cleaned.items() if value is not None}
