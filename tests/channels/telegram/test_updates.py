"""Telegram updates parsed into what the helpdesk needs."""

from __future__ import annotations

import pytest

from channels.telegram.updates import START_PAYLOAD, parse_update
from devtools.fake_telegram import callback_update, photo_update, text_update


def test_text_start_and_callback():
    text = parse_update(text_update(1, 42, "min lupa pw"))
    assert (text.kind, text.text, text.chat_id, text.private) == ("text", "min lupa pw", 42, True)
    assert text.display_name == "Budi" and text.at is not None
    assert parse_update(text_update(2, 42, "/start")).text == START_PAYLOAD
    assert parse_update(text_update(3, 42, "/start kampanye-x")).text == START_PAYLOAD
    pressed = parse_update(callback_update(4, 42, "/feedback_helpful"))
    assert (pressed.kind, pressed.text, pressed.callback_query_id) == (
        "callback",
        "/feedback_helpful",
        "cb4",
    )


@pytest.mark.parametrize(
    ("media", "label"),
    [("photo", "[foto]"), ("sticker", "[stiker]"), ("voice", "[pesan suara]")],
)
def test_media_is_unsupported_with_a_label(media, label):
    update = photo_update(5, 42)
    del update["message"]["photo"]
    update["message"][media] = (
        [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
        if media == "photo"
        else {
            "file_id": "f",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "duration": 1,
        }
    )
    parsed = parse_update(update)
    assert (parsed.kind, parsed.text) == ("unsupported", label)


def test_ignored_and_malformed_updates():
    edited = text_update(6, 42, "x")
    edited["edited_message"] = edited.pop("message")
    assert parse_update(edited) is None
    group = text_update(7, -100, "halo")
    group["message"]["chat"]["type"] = "group"
    assert parse_update(group).private is False
    for bad in ({}, {"update_id": "x"}, [], {"update_id": 8, "message": {"chat": "nope"}}):
        with pytest.raises(ValueError):
            parse_update(bad)
