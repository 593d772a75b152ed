"""Public replies on X: weighted length, numbered threads, no personal data."""

from __future__ import annotations

from bot.text import tweet_weight
from bot.tweets import TWEET_LIMIT, message_text, public_safe, split_post, thread_parts


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


def test_exactly_280_weighted_characters_is_one_post_and_281_is_a_thread():
    assert thread_parts([{"text": "a" * 280}]) == ["a" * 280]
    assert split_post("😊" * 140) == ["😊" * 140]  # emoji weigh 2
    assert len(split_post("😊" * 141)) == 2
    url = "https://sscasn.bkn.go.id/" + "x" * 100  # weighs 23 whatever its length
    assert tweet_weight(url) == 23
    assert split_post(f"{'a' * 256} {url}") == [f"{'a' * 256} {url}"]
    assert len(split_post(f"{'a' * 257} {url}")) == 2


def test_the_suffix_counts_and_parts_fill_up_to_the_limit():
    words = ["kata"] * 200  # 999 characters: 55 words (274) + " (i/4)" per full part
    parts = split_post(" ".join(words))
    assert [tweet_weight(p) for p in parts][:-1] == [280, 280, 280]
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
    assert [p.rsplit(" ", 1)[1] for p in parts] == ["(1/4)", "(2/4)", "(3/4)", "(4/4)"]


def test_a_thread_of_ten_or_more_parts_reserves_room_for_two_digit_numbers():
    parts = split_post(" ".join(["pendaftaran"] * 300))  # 3599 characters
    assert len(parts) >= 10
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
    assert parts[0].endswith(f" (1/{len(parts)})") and parts[-1].endswith(
        f" ({len(parts)}/{len(parts)})"
    )
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts).split() == ["pendaftaran"] * 300


def test_parts_break_after_a_sentence_when_one_ends_late_enough():
    first = "Pendaftaran CPNS dibuka di portal SSCASN mulai minggu depan. " * 3  # 183 chars
    text = first + "Siapkan scan KTP, ijazah, transkrip, dan pas foto berlatar merah " * 3
    parts = split_post(text)
    assert parts[0] == first.strip() + " (1/2)"


def test_urls_are_never_cut():
    url = "https://helpdesk-sscasn.bkn.go.id/" + "p" * 40
    for text in (
        " ".join([url] * 30),
        "x" * 270 + url,  # one word longer than a post with a URL at its end
        ("Cek " + url + " ya. ") * 20,
    ):
        parts = split_post(text)
        assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
        body = "".join(p.rsplit(" ", 1)[0] for p in parts)
        pieces = [piece for p in parts for piece in p.split() if "helpdesk" in piece]
        assert all(piece.endswith("p" * 40) for piece in pieces), body


def test_emoji_weigh_two_when_splitting():
    parts = split_post("🙏 " * 200)  # 200 emoji + spaces: weight 599
    assert len(parts) == 3
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
    assert sum(p.count("🙏") for p in parts) == 200


def test_public_safe_redacts_personal_data():
    text = public_safe("NIK saya 3201234567890123, WA 0812-3456-7890, email budi@contoh.id")
    assert "3201234567890123" not in text and "7890" not in text and "budi@" not in text
    assert "[NIK]" in text and "[EMAIL]" in text
