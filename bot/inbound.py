"""The gate every channel passes an applicant's text through before Rasa sees it.

It drops empty messages, cuts very long ones and replaces a NIK with a
placeholder, so the number never reaches the tracker store, the logs or a reply.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from bot.privacy import contains_nik, redact_nik

MAX_MESSAGE_CHARS = int(os.environ.get("SSCN_MAX_MESSAGE_CHARS", "2000"))

# Keys the gate adds to a message's metadata; actions read them.
NIK_REDACTED = "nik_redacted"
TRUNCATED = "truncated"


@dataclass(frozen=True)
class InboundText:
    """An applicant's message after the gate."""

    text: str
    nik_redacted: bool = False
    truncated: bool = False

    def metadata(self) -> dict[str, Any]:
        """Flags for the message metadata (only the ones that are set)."""
        flags = {NIK_REDACTED: self.nik_redacted, TRUNCATED: self.truncated}
        return {key: True for key, value in flags.items() if value}


def prepare_inbound(raw: Any, max_chars: int = MAX_MESSAGE_CHARS) -> InboundText | None:
    """Clean an incoming message; ``None`` means there is nothing to answer."""
    if not isinstance(raw, str):
        return None
    text = raw.replace("\x00", "").strip()
    if not text:
        return None
    # Redact before cutting, so a NIK split by the cut cannot leak its digits.
    nik_redacted = contains_nik(text)
    if nik_redacted:
        text = redact_nik(text)
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars].rstrip()
    return InboundText(text=text, nik_redacted=nik_redacted, truncated=truncated)
