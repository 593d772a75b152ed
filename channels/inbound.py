"""Build a Rasa ``UserMessage`` from channel input that went through the gate."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.inbound import InboundText, clean_metadata
from bot.services import process_services


def user_message(
    inbound: InboundText,
    output_channel: OutputChannel,
    sender_id: str,
    input_channel: str,
    client_metadata: Any = None,
) -> UserMessage:
    """A message whose metadata carries the client fields this channel allows (bounded,
    personal data redacted) and the gate's own keys, which a client cannot set."""
    metadata = clean_metadata(input_channel, client_metadata)
    metadata.update(inbound.metadata(process_services().cipher))
    return UserMessage(
        inbound.text, output_channel, sender_id, input_channel=input_channel, metadata=metadata
    )
