"""Normalisation of informal Indonesian and X's weighted length."""

from __future__ import annotations

import pytest

from bot.text import (
    LEXICON_FILE,
    SLANG,
    TWEET_MAX_WEIGHT,
    load_lexicon,
    normalize,
    tweet_url_spans,
    tweet_weight,
)


def test_normalize_expands_slang_and_drops_noise():
    assert normalize("@BKNgoid min pw sscasn gk bs login!!! 😭 https://x.co/a") == (
        "admin password sscasn tidak bisa masuk"
    )
    assert normalize("tolonggg bgt") == "tolong banget"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("punten min, kumaha carana daftar?", "permisi admin bagaimana caranya daftar"),
        ("hasil tes teu acan aya", "hasil tes belum aya"),
        ("naha abdi teu tiasa login", "kenapa saya tidak bisa masuk"),
        ("kok ora iso login, piye?", "kok tidak bisa masuk bagaimana"),
        ("pengumuman skd durung metu", "pengumuman skd belum keluar"),
        ("nyuwun pirsa, matur nuwun", "mohon pirsa terima kasih"),
        ("gimana cara upload documentnya", "bagaimana cara unggah dokumennya"),
        ("knp blm udh kmrn", "kenapa belum sudah kemarin"),
        ("#CPNS2024 jdwl skd kpn", "cpns2024 jadwal skd kapan"),
    ],
)
def test_normalize_reads_chat_typos_english_and_regional_words(text, expected):
    assert normalize(text) == expected


def test_ambiguous_forms_stay_as_written():
    # "bkn" is the agency as often as "bukan"; "smp" is a school level.
    assert normalize("BKN smp") == "bkn smp"


def test_the_lexicon_file_has_only_lower_case_string_forms():
    lexicon = load_lexicon(LEXICON_FILE)
    assert lexicon == SLANG
    assert len(lexicon) > 200
    for form, standard in lexicon.items():
        assert form == form.strip().lower() and 1 <= len(form.split()) <= 2, form
        assert standard and standard == standard.lower(), form
    assert "false" not in lexicon and "true" not in lexicon  # unquoted "no"/"yes" keys


def test_tweet_weight_counts_urls_as_23_and_emoji_as_2():
    assert tweet_weight("abc") == 3
    assert tweet_weight("lihat https://sscasn.bkn.go.id/sangat/panjang/sekali") == 6 + 23
    assert tweet_weight("buka bkn.go.id ya") == 5 + 23 + 3  # X links bare domains too
    assert tweet_weight("🙏") == 2
    assert tweet_weight("👍🏽") == 2  # a skin tone does not weigh extra
    assert tweet_weight("👨\u200d👩\u200d👧") == 2  # one family emoji, joined by ZWJ
    assert tweet_weight("日本語") == 6 and tweet_weight("한국") == 4
    assert tweet_weight("é") == tweet_weight("e\u0301") == 1  # NFC first


def test_the_280_limit_counts_weights():
    assert tweet_weight("a" * 280) == TWEET_MAX_WEIGHT
    assert tweet_weight("日" * 140) == TWEET_MAX_WEIGHT
    assert tweet_weight("a" * 257 + " https://x.co/" + "p" * 500) == 257 + 1 + 23


def test_url_spans_are_where_x_sees_links():
    text = "cek https://sscasn.bkn.go.id/info, ok"
    ((start, end),) = tweet_url_spans(text)
    assert text[start:end] == "https://sscasn.bkn.go.id/info"


def test_kamus_alay_is_the_base_without_short_forms_kept_words_or_our_overrides():
    base = {"sk": "suka", "tolongin": "tolong", "gmn": "gimana", "bkn": "bukan", "a b": "x"}
    lexicon = load_lexicon(LEXICON_FILE, base=base)
    assert lexicon["tolongin"] == "tolong"  # from the base
    assert "sk" not in lexicon  # two letters: SK, not "suka"
    assert "bkn" not in lexicon  # kept: BKN, not "bukan"
    assert lexicon["gmn"] == "bagaimana"  # ours wins
    assert "a b" not in lexicon  # only single-word forms of the base
    assert normalize("nilai pg skd, file 2 mb, bkn pusat") == "nilai pg skd file 2 mb bkn pusat"


def test_pppk_is_a_word_not_a_repeated_letter():
    assert normalize("Daftar PPPK 2024 kapan?") == "daftar pppk 2024 kapan"
    assert normalize("info pppk2024 dong").startswith("info pppk2024")
    assert normalize("tolonggg") == "tolong"
