"""Sending through a fake Bot API over real HTTP: splitting, keyboards, flood control."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from channels.telegram.sender import (
    MAX_MESSAGE_CHARS,
    MAX_RETRIES,
    TelegramSender,
    keyboard,
    split_text,
    telegram_bot,
)
from devtools.fake_telegram import FakeTelegram


@pytest.fixture
def fake():
    server = FakeTelegram()
    yield server
    server.stop()


def send(fake: FakeTelegram, *args) -> list[int]:
    async def run() -> list[int]:
        async with telegram_bot(fake.token, fake.base_url) as bot:
            return await TelegramSender(bot).send_text(*args)

    return asyncio.run(run())


def test_split_keeps_every_piece_within_the_limit_and_loses_nothing():
    text = ("Kalimat panjang tentang pendaftaran CPNS. " * 300).strip()
    pieces = split_text(text)
    assert len(pieces) == 4
    assert all(len(piece) <= MAX_MESSAGE_CHARS for piece in pieces)
    assert " ".join(pieces).split() == text.split()
    assert split_text("x" * 5000) == ["x" * 4096, "x" * 904]  # one long word is cut
    assert split_text("pendek") == ["pendek"]


def test_buttons_become_an_inline_keyboard_within_64_bytes():
    markup = keyboard(
        [
            {"title": "👍 Ya", "payload": "/feedback_helpful"},
            {"title": "Kategori", "payload": '/affirm{"case_topic":"hasil_seleksi_administrasi"}'},
            {"title": "Terlalu panjang", "payload": "/affirm" + "x" * 80},
        ]
    )
    data = [row[0].callback_data for row in markup.inline_keyboard]
    assert data[:2] == ["/feedback_helpful", '/affirm{"case_topic":"hasil_seleksi_administrasi"}']
    assert data[2] == "Terlalu panjang"
    assert all(len(d.encode()) <= 64 for d in data)


def test_a_long_reply_is_split_and_the_buttons_go_last(fake):
    text = "Jawaban panjang. " * 600
    buttons = [{"title": "Ya", "payload": "/affirm"}, {"title": "Tidak", "payload": "/deny"}]
    assert len(send(fake, 42, text, buttons)) == 3
    calls = fake.calls_to("sendMessage", 42)
    assert [bool(c.get("reply_markup")) for c in calls] == [False, False, True]
    assert calls[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/affirm"


def test_flood_control_is_waited_out(fake):
    fake.fail("sendMessage", retry_after=1)
    started = time.monotonic()
    assert len(send(fake, 42, "halo")) == 1
    assert time.monotonic() - started >= 1.0
    assert len(fake.calls_to("sendMessage", 42)) == 1


def test_flood_control_gives_up_after_max_retries(fake):
    for _ in range(MAX_RETRIES + 1):
        fake.fail("sendMessage", retry_after=1)
    with pytest.raises(RetryAfter):
        send(fake, 42, "halo")
    assert fake.calls_to("sendMessage", 42) == []
