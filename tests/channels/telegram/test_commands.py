"""Bot commands reach Rasa as the payloads of their intents."""

from __future__ import annotations

import pytest

from channels.telegram.updates import parse_update
from devtools.fake_telegram import text_update


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("/langganan", "/subscribe"),
        ("/langganan@sscn_bot", "/subscribe"),
        ("/LANGGANAN", "/subscribe"),
        ("/berhenti", "/unsubscribe"),
        ("/berhenti sekarang", "/unsubscribe"),
        ("/start", "/greeting"),
        ("/start@sscn_bot", "/greeting"),
        ("/startx", "/startx"),
        ("/", "/"),
        ("/ langganan", "/ langganan"),
        ("langganan", "langganan"),
        ('/question{"faq_choice":"x"}', '/question{"faq_choice":"x"}'),
    ],
)
def test_commands_become_payloads(typed, payload):
    assert parse_update(text_update(1, 42, typed)).text == payload
