"""The Telegram output sends to the chat of a ``telegram:`` conversation only."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversations import ForeignConversation
from channels.records import ChannelRecords
from channels.telegram.channel import TelegramOutput


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text(self, chat_id: str, text: str, buttons=None) -> list[int]:
        self.sent.append((chat_id, text))
        return [1]


class Recorded(ChannelRecords):
    def __init__(self) -> None:
        super().__init__("telegram")
        self.rows: list[tuple[str, str, str]] = []

    async def sent(self, conversation_id: str, text: str, author: str, reply_to_id=None) -> None:
        self.rows.append((conversation_id, text, author))


def test_the_chat_id_is_the_conversation_without_its_channel():
    sender, records = FakeSender(), Recorded()
    output = TelegramOutput(sender, records, author="agent")
    asyncio.run(output.send_response("telegram:4242", {"text": "Halo", "author": "agent:ani"}))
    assert sender.sent == [("4242", "Halo")]
    assert records.rows == [("telegram:4242", "Halo", "agent:ani")]


@pytest.mark.parametrize("recipient", ["4242", "rest:4242", "webchat:4242", "twitter:4242"])
def test_conversations_of_other_channels_are_refused(recipient):
    sender, records = FakeSender(), Recorded()
    output = TelegramOutput(sender, records, author="agent")
    with pytest.raises(ForeignConversation):
        asyncio.run(output.send_text_message(recipient, "Halo"))
    assert sender.sent == [] and records.rows == []
