"""Normalisation of informal Indonesian and X's weighted length."""

from __future__ import annotations

from bot.text import normalize, tweet_weight


def test_normalize_expands_slang_and_drops_noise():
    assert normalize("@BKNgoid min pw sscasn gk bs login!!! 😭 https://x.co/a") == (
        "admin password sscasn tidak bisa masuk"
    )
    assert normalize("tolonggg bgt") == "tolong banget"


def test_tweet_weight_counts_urls_as_23_and_emoji_as_2():
    assert tweet_weight("abc") == 3
    assert tweet_weight("lihat https://sscasn.bkn.go.id/sangat/panjang/sekali") == 6 + 23
    assert tweet_weight("🙏") == 2
