"""Answers about a stage carry its dates from the season file, on every channel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.answers import (
    render_answer,
    render_deadlines,
    render_season,
    render_short_answer,
    render_stage,
)
from bot.kb.loader import load_directory
from bot.kb.schema import Entry
from bot.programs import PROGRAMS
from bot.seasons import SeasonStore, parse_calendar
from bot.text import TWEET_MAX_WEIGHT, tweet_weight

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CALENDAR = parse_calendar(
    {
        "seasons": [
            {
                "program": "cpns",
                "year": 2027,
                "announced": True,
                "published_at": "https://sscasn.bkn.go.id",
                "stages": [
                    {"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"},
                    {"key": "sanggah_administrasi", "start": "2027-03-25", "end": "2027-03-27"},
                ],
            },
            {
                "program": "kedinasan",
                "year": 2027,
                "announced": True,
                "stages": [
                    {"key": "pendaftaran", "start": "2027-06-01", "end": "2027-06-20"},
                    {"key": "skd", "start": "2027-08-11", "end": "2027-08-26"},
                    {
                        "key": "pengumuman_akhir",
                        "start": "2027-09-07",
                        "end": "2027-09-07",
                        "published_at": "situs sekolah",
                    },
                ],
            },
            {"program": "pppk", "year": 2027, "announced": False, "published_at": "menpan.go.id"},
        ]
    }
)
CPNS = CALENDAR.get("cpns", 2027)
KEDINASAN = CALENDAR.get("kedinasan", 2027)
PPPK = CALENDAR.get("pppk", 2027)


def day(month: int, date: int) -> dt.date:
    return dt.date(2027, month, date)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (day(2, 28), "Pendaftaran CPNS 2027 dibuka 1 Maret 2027 s.d. 20 Maret 2027."),
        (
            day(3, 1),
            "Pendaftaran CPNS 2027: 1 Maret 2027 s.d. 20 Maret 2027 — ditutup dalam 20 hari.",
        ),
        (
            day(3, 19),
            "Pendaftaran CPNS 2027: 1 Maret 2027 s.d. 20 Maret 2027 — ditutup dalam 2 hari.",
        ),
        (day(3, 20), "Pendaftaran CPNS 2027: 1 Maret 2027 s.d. 20 Maret 2027 — hari ini terakhir."),
        (day(3, 21), "Pendaftaran CPNS 2027 sudah ditutup pada 20 Maret 2027."),
    ],
)
def test_cpns_registration_before_during_and_after(today, expected):
    assert render_stage(CPNS, "pendaftaran", today) == expected


@pytest.mark.parametrize(
    ("key", "today", "expected"),
    [
        (
            "skd",
            day(8, 1),
            "SKD Sekolah Kedinasan 2027 dijadwalkan 11 Agustus 2027 s.d. 26 Agustus",
        ),
        ("skd", day(8, 25), "SKD Sekolah Kedinasan 2027: 11 Agustus 2027 s.d. 26 Agustus 2027 — "),
        ("skd", day(8, 25), "— berakhir dalam 2 hari."),
        ("skd", day(8, 26), "— hari ini terakhir."),
        ("skd", day(8, 27), "SKD Sekolah Kedinasan 2027 sudah berakhir pada 26 Agustus 2027."),
        ("pendaftaran", day(6, 10), "Pendaftaran Sekolah Kedinasan 2027: 1 Juni 2027 s.d. 20 Juni"),
        ("pendaftaran", day(6, 10), "— ditutup dalam 11 hari."),
        (
            "pengumuman_akhir",
            day(9, 1),
            "dijadwalkan 7 September 2027. Diumumkan di situs sekolah.",
        ),
        ("pengumuman_akhir", day(9, 7), "Pengumuman hasil akhir Sekolah Kedinasan 2027: hari ini,"),
        ("pengumuman_akhir", day(9, 8), "sudah berlangsung pada 7 September 2027."),
    ],
)
def test_kedinasan_stages_before_during_and_after(key, today, expected):
    assert expected in render_stage(KEDINASAN, key, today)


def test_an_unannounced_season_says_so_and_where_and_never_gives_old_dates():
    line = render_stage(PPPK, "pendaftaran", day(3, 10))
    assert line == "Jadwal pendaftaran PPPK 2027 belum diumumkan, akan diumumkan di menpan.go.id."
    assert "SKD" in render_stage(CALENDAR.season_of("cpns", 2028, day(3, 10)), "skd", day(3, 10))
    assert "belum diumumkan" in render_stage(
        CALENDAR.season_of("cpns", 2028, day(3, 10)), "skd", day(3, 10)
    )


def test_a_stage_the_program_does_not_have_or_the_season_does_not_list_gives_nothing():
    assert render_stage(PPPK, "skd", day(3, 10)) is None  # PPPK has no SKD
    assert render_stage(CPNS, "skd", day(3, 10)) is None  # announced, no SKD dates yet
    assert render_stage(CPNS, None, day(3, 10)) is None


def staged_entry(short_answer: str = "Daftar di https://sscasn.bkn.go.id.") -> Entry:
    return Entry(
        id="cara_daftar",
        title="Cara daftar",
        questions=("a", "b", "c"),
        answer="Buat akun di https://sscasn.bkn.go.id lalu lengkapi biodata.",
        short_answer=short_answer,
        source_file="uji.yml",
        stage="pendaftaran",
    )


def test_the_answer_carries_the_stage_of_each_season_given():
    entry = staged_entry()
    text = render_answer(entry, day(3, 19), seasons=(CPNS, KEDINASAN))
    assert text.startswith("Buat akun di https://sscasn.bkn.go.id")
    assert "Pendaftaran CPNS 2027: 1 Maret 2027 s.d. 20 Maret 2027 — ditutup dalam 2 hari." in text
    assert "Pendaftaran Sekolah Kedinasan 2027 dibuka 1 Juni 2027 s.d. 20 Juni 2027." in text
    assert render_answer(entry, day(3, 19)) == entry.answer  # no season: as before
    assert render_deadlines(entry, (CPNS,), day(3, 21)) == (
        "Pendaftaran CPNS 2027 sudah ditutup pada 20 Maret 2027."
    )
    # On X, lines that would not fit one post are written compact.
    many = (CPNS, KEDINASAN) * 2
    assert tweet_weight(render_deadlines(entry, many, day(3, 19))) > TWEET_MAX_WEIGHT
    short = render_deadlines(entry, many, day(3, 19), short=True)
    assert tweet_weight(short) <= TWEET_MAX_WEIGHT
    assert short.splitlines()[0] == "Pendaftaran CPNS 2027 s.d. 20 Mar 2027, 2 hari lagi."


def short_of(weight: int) -> Entry:
    """An entry whose short answer weighs ``weight`` on X."""
    text = ("Buat akun dan lengkapi biodata di portal resmi. " * 8)[:weight].strip()
    return staged_entry(text + "." * (weight - tweet_weight(text)))


@pytest.mark.parametrize(
    ("weight", "ending", "follow_up"),
    [
        (150, "— ditutup dalam 2 hari.", None),  # the full line fits
        (210, "Pendaftaran CPNS 2027 s.d. 20 Mar 2027, 2 hari lagi.", None),  # compact fits
        (260, None, "Pendaftaran CPNS 2027 s.d. 20 Mar 2027, 2 hari lagi."),  # a second post
    ],
)
def test_on_x_the_deadline_stays_within_the_weight_of_a_post(weight, ending, follow_up):
    entry = short_of(weight)
    assert tweet_weight(entry.short_answer) == weight
    posts = render_short_answer(entry, day(3, 19), (CPNS,))
    assert all(tweet_weight(post) <= TWEET_MAX_WEIGHT for post in posts)
    assert posts[0] == render_answer(entry, day(3, 19), short=True, seasons=(CPNS,))
    if ending:
        assert posts == [posts[0]] and posts[0].endswith(ending)
    else:
        assert posts == [entry.short_answer, follow_up]


def test_every_shipped_entry_about_a_stage_stays_within_the_weight_of_posts_on_x():
    """Each stage-tagged entry, for each program, on the stage boundaries of the shipped
    season file and today: no post of the short answer exceeds X's weight."""
    calendar = SeasonStore(PROJECT_ROOT / "knowledge_base" / "config" / "seasons.yml").current()
    entries = [e for e in load_directory(PROJECT_ROOT / "knowledge_base").entries if e.stage]
    assert len(entries) >= 10
    for entry in entries:
        days = {dt.date(2026, 12, 2)}
        for _, stage in calendar.stage_windows():
            if stage.key == entry.stage:
                days |= {stage.start - dt.timedelta(days=1), stage.start, stage.end}
        for program in PROGRAMS:
            for today in days:
                seasons = [calendar.season_of(program, today.year, today)]
                seasons = [s for s in seasons if s]
                for post in render_short_answer(entry, today, seasons):
                    assert tweet_weight(post) <= TWEET_MAX_WEIGHT, (entry.id, program, today)


def test_the_schedule_lists_the_stages_with_the_same_words():
    text = render_season(CPNS, day(3, 19))
    assert text.splitlines() == [
        "Jadwal seleksi CPNS 2027:",
        "- Pendaftaran: 1 Maret 2027 s.d. 20 Maret 2027 — ditutup dalam 2 hari.",
        "- Masa sanggah hasil administrasi dibuka 25 Maret 2027 s.d. 27 Maret 2027.",
        "Jadwal lengkap dan resminya ada di https://sscasn.bkn.go.id.",
    ]
    later = render_season(CPNS, day(3, 26)).splitlines()
    assert later[1] == "- Pendaftaran sudah ditutup pada 20 Maret 2027."
    assert later[2].endswith("— ditutup dalam 2 hari.")
    over = render_season(CPNS, day(12, 1))
    assert over.startswith("Seleksi CPNS 2027 sudah selesai: pendaftaran 1 Maret 2027 s.d. 20")
    assert "belum diumumkan" in render_season(PPPK, day(3, 10))


def test_a_long_schedule_shows_the_next_few_stages_only():
    calendar = SeasonStore(PROJECT_ROOT / "knowledge_base" / "config" / "seasons.yml").current()
    text = render_season(calendar.get("cpns", 2024), dt.date(2024, 9, 21))
    lines = text.splitlines()
    assert (
        lines[1] == "- Pengumuman hasil seleksi administrasi sudah berakhir pada 19 September 2024."
    )
    assert lines[2].startswith("- Masa sanggah hasil administrasi: 20 September 2024 s.d.")
    assert lines[2].endswith("— ditutup dalam 2 hari.")
    assert lines[-2].startswith("- dan ") and len(lines) == 8
