"""Program and year named in a message; short follow-ups."""

from __future__ import annotations

import pytest

from bot.followups import content_words, contextual_queries, is_followup
from bot.kb.schema import Entry
from bot.programs import detect_program, detect_year, strip_programs


@pytest.mark.parametrize(
    ("text", "program"),
    [
        ("berapa batas usia pppk guru", "pppk"),
        ("syarat P3K teknis apa aja", "pppk"),
        ("pppk nakes kapan tesnya", "pppk"),
        ("pppk paruh waktu itu apa", "pppk"),
        ("daftar cpns 2024 kapan", "cpns"),
        ("jadwal tes calon pns", "cpns"),
        ("mau masuk PKN STAN syaratnya apa", "kedinasan"),
        ("tinggi badan minimal ipdn", "kedinasan"),
        ("STIS pakai SKD juga?", "kedinasan"),
        ("poltekip dan poltekim usia maksimal", "kedinasan"),
        ("daftar sekdin dimana", "kedinasan"),
        ("pendaftaran sekolah kedinasan stmkg", "kedinasan"),
        ("lupa password sscasn", None),
        ("bedanya pppk sama pns apa", None),  # two programs: none in particular
    ],
)
def test_detects_the_program_a_message_names(text, program):
    assert detect_program(text) == program


def test_detects_one_year_and_strips_program_names():
    assert detect_year("kapan pendaftaran cpns 2026 dibuka?") == 2026
    assert detect_year("jadwal cpns 2019 atau 2024") is None
    assert detect_year("nik 3201234567890123") is None
    assert detect_year("tiket SSCN-2026-00042 kapan dibalas") is None
    assert detect_year("jadwal (2024/2025)") is None and detect_year("tahun 2024.") == 2024
    assert strip_programs("Batas usia pelamar CPNS") == "batas usia pelamar"


@pytest.mark.parametrize(
    "text",
    [
        "gimana caranya?",
        "kalau PPPK?",
        "terus kalau sudah?",
        "itu kapan?",
        "cara resetnya gimana",
        "gimana cara resetnya",
        "p3k?",
    ],
)
def test_short_follow_ups_are_recognised(text):
    assert is_followup(text)


@pytest.mark.parametrize(
    "text",
    [
        "ya",
        "sudah",
        "tidak membantu",
        "lupa password sscasn",
        "saya hanya ingin tanya soal formasi guru di kabupaten saya tahun ini",
        "/affirm",
    ],
)
def test_standalone_messages_are_not_follow_ups(text):
    assert not is_followup(text)


def test_the_contextual_query_carries_the_topic_to_another_program():
    age = Entry(
        id="batas_usia",
        title="Batas usia pelamar CPNS: 18-35 tahun",
        questions=("Berapa batas usia untuk mendaftar CPNS?", "umur max cpns", "usia cpns"),
        answer="Jawaban.",
        short_answer="Jawaban.",
        source_file="uji.yml",
    )
    assert contextual_queries("kalau pppk?", age, True) == [
        "batas usia pelamar : 18-35 tahun kalau pppk?",
        "berapa batas usia untuk mendaftar ? kalau pppk?",
        "umur max kalau pppk?",
        "usia kalau pppk?",
    ]
    assert contextual_queries("itu kapan?", age, False) == [
        "Batas usia pelamar CPNS: 18-35 tahun itu kapan?"
    ]


def test_content_words_leave_out_fillers_and_program_names():
    assert content_words("gimana caranya min?") == set()
    assert content_words("kalau PPPK?") == set()
    assert content_words("terus kalau sudah?") == set()
    assert content_words("gimana cara resetnya") == {"reset"}
    assert content_words("bagaimana cara daftar cpns") == {"daftar"}
