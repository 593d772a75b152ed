"""Public replies on X: weighted length, numbered threads, no personal data."""

from __future__ import annotations

from bot.text import tweet_weight
from bot.tweets import TWEET_LIMIT, message_text, thread_parts


def test_a_short_reply_is_one_post():
    assert thread_parts([{"text": "Halo! 👋"}]) == ["Halo! 👋"]
    assert thread_parts([]) == [] and thread_parts([{"text": "  "}]) == []


def test_buttons_become_a_reply_hint():
    message = {
        "text": "Apakah jawaban ini membantu?",
        "buttons": [{"title": "👍 Ya, membantu"}, {"title": "👎 Tidak membantu"}],
    }
    assert message_text(message) == (
        "Apakah jawaban ini membantu?\nBalas: Ya, membantu / Tidak membantu"
    )


def test_long_replies_become_a_numbered_thread_within_the_weighted_limit():
    text = "Kalimat tentang pendaftaran CPNS 😊 di https://sscasn.bkn.go.id/ " * 20
    parts = thread_parts([{"text": text}])
    assert len(parts) > 1
    assert all(tweet_weight(part) <= TWEET_LIMIT for part in parts)
    assert [part.rsplit(" ", 1)[1] for part in parts] == [
        f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)
    ]
    assert all("https://sscasn.bkn.go.id/" in part for part in parts[:-1])  # URLs kept whole
    words = " ".join(part.rsplit(" ", 1)[0] for part in parts).split()
    assert words == text.split()


def test_a_word_longer_than_a_post_is_cut():
    parts = thread_parts([{"text": "x" * 600}])
    assert all(tweet_weight(part) <= TWEET_LIMIT for part in parts)
    assert "".join(part.rsplit(" ", 1)[0] for part in parts) == "x" * 600


def test_personal_data_never_goes_public():
    (part,) = thread_parts([{"text": "NIK 3201234567890123, hp 081234567890, a@b.id"}])
    assert "3201234567890123" not in part and "081234567890" not in part and "a@b.id" not in part
