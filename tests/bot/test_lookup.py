"""Which season's stage an answer carries, and "kapan ditutup?" after such an answer."""

from __future__ import annotations

import datetime as dt

from bot.followups import asks_when
from bot.kb.retriever import Retriever
from bot.kb.schema import Entry
from bot.lookup import Context, look_up, stage_seasons
from bot.seasons import parse_calendar
from tests.support.kb import EVEN_COST, NEGATIVES

TODAY = dt.date(2027, 3, 19)
ALL = frozenset({"cpns", "pppk", "kedinasan"})
CALENDAR = parse_calendar(
    {
        "seasons": [
            {
                "program": "cpns",
                "year": 2024,
                "announced": True,
                "stages": [{"key": "pendaftaran", "start": "2024-08-20", "end": "2024-09-10"}],
            },
            {
                "program": "cpns",
                "year": 2027,
                "announced": True,
                "stages": [{"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"}],
            },
            {
                "program": "kedinasan",
                "year": 2027,
                "announced": True,
                "stages": [{"key": "pendaftaran", "start": "2027-06-01", "end": "2027-06-20"}],
            },
            {"program": "pppk", "year": 2027, "announced": False},
        ]
    }
)


def entry(entry_id: str, questions: list[str], programs=ALL, **extra) -> Entry:
    return Entry(
        id=entry_id,
        title=questions[0],
        questions=tuple(questions),
        answer=f"Jawaban {entry_id}.",
        short_answer=f"Jawaban {entry_id}.",
        source_file="uji.yml",
        programs=frozenset(programs),
        **extra,
    )


SIGN_UP = entry(
    "cara_daftar",
    [
        "Bagaimana cara daftar di sscasn?",
        "langkah pendaftaran akun sscasn",
        "cara bikin akun pendaftaran",
        "gimana cara mendaftar seleksi",
    ],
    stage="pendaftaran",
)
SKD = entry(
    "kartu_ujian_skd",
    ["cara cetak kartu ujian skd", "kartu peserta ujian skd dicetak dimana", "print kartu tes"],
    programs={"cpns", "kedinasan"},
    stage="skd",
)
PASSWORD = entry(
    "lupa_password",
    ["Bagaimana cara reset kata sandi akun SSCASN?", "lupa password sscasn", "lupa pw akun"],
)


def years(seasons) -> list[tuple[str, int]]:
    return [(s.program, s.year) for s in seasons]


def test_the_program_asked_then_the_last_one_then_the_entrys_own():
    assert years(stage_seasons(SIGN_UP, CALENDAR, TODAY, "cpns")) == [("cpns", 2027)]
    assert years(stage_seasons(SIGN_UP, CALENDAR, TODAY, None, "pppk")) == [("pppk", 2027)]
    assert years(stage_seasons(SIGN_UP, CALENDAR, TODAY, "kedinasan", "pppk")) == [
        ("kedinasan", 2027)
    ]
    only_cpns = entry("daftar_cpns", ["a", "b", "c"], {"cpns"}, stage="pendaftaran")
    assert years(stage_seasons(only_cpns, CALENDAR, TODAY, None, "pppk")) == [("cpns", 2027)]
    assert years(stage_seasons(SIGN_UP, CALENDAR, TODAY, "cpns", year=2024)) == [("cpns", 2024)]


def test_without_a_program_the_open_and_coming_stages_of_the_entrys_programs():
    # CPNS open, Sekolah Kedinasan coming, PPPK not announced (left out: no program asked)
    found = stage_seasons(SIGN_UP, CALENDAR, TODAY)
    assert years(found) == [("cpns", 2027), ("kedinasan", 2027)]
    assert years(stage_seasons(SIGN_UP, CALENDAR, dt.date(2027, 7, 1))) == []  # all closed


def test_no_stage_for_a_program_without_it_nor_for_an_announced_season_without_dates():
    assert stage_seasons(SKD, CALENDAR, TODAY, "pppk") == ()  # the entry is not for PPPK
    assert stage_seasons(SKD, CALENDAR, TODAY, "cpns") == ()  # CPNS 2027 lists no SKD yet
    assert stage_seasons(PASSWORD, CALENDAR, TODAY, "cpns") == ()  # not about a stage
    # 2028 is not in the file: the 2027 season stays in force, its registration closed.
    assert stage_seasons(SKD, CALENDAR, dt.date(2028, 1, 5), "cpns") == ()
    assert years(stage_seasons(SIGN_UP, CALENDAR, dt.date(2028, 1, 5), "cpns")) == [("cpns", 2027)]
    unannounced = stage_seasons(SKD, CALENDAR, TODAY, "kedinasan", year=2029)
    assert years(unannounced) == [("kedinasan", 2029)] and not unannounced[0].announced


def test_an_answer_carries_the_season_of_the_program_asked():
    retriever = Retriever([SIGN_UP, SKD, PASSWORD], NEGATIVES, EVEN_COST)
    lookup = look_up("bagaimana cara daftar cpns di sscasn", retriever, CALENDAR, TODAY)
    assert lookup.match.entry.id == "cara_daftar"
    assert years(lookup.stage_seasons) == [("cpns", 2027)] and not lookup.deadline_only


def test_kapan_ditutup_after_a_registration_answer_gets_the_stage_only():
    retriever = Retriever([SIGN_UP, SKD, PASSWORD], NEGATIVES, EVEN_COST)
    after = Context("cara_daftar", "cpns")
    for text in ("kapan ditutup?", "sampai kapan min?", "deadlinenya kapan ya"):
        lookup = look_up(text, retriever, CALENDAR, TODAY, after)
        assert lookup.deadline_only and lookup.match.entry.id == "cara_daftar", text
        assert years(lookup.stage_seasons) == [("cpns", 2027)]
    lookup = look_up("kalau pppk kapan ditutup?", retriever, CALENDAR, TODAY, after)
    assert years(lookup.stage_seasons) == [("pppk", 2027)] and lookup.program == "pppk"
    # After an entry about no stage, the same words are an ordinary question.
    assert not look_up(
        "kapan ditutup?", retriever, CALENDAR, TODAY, Context("lupa_password")
    ).deadline_only
    assert not look_up("kapan ditutup?", retriever, CALENDAR, TODAY).deadline_only


def test_asks_when_only_for_short_questions_about_when():
    assert asks_when("kapan ditutup?") and asks_when("sampai kapan pppk?")
    assert asks_when("tanggal berapa terakhir?")
    assert not asks_when("kapan pengumuman hasil skd?")  # words of its own
    assert not asks_when("gimana caranya?") and not asks_when("")
    assert not asks_when("kapan ditutup ya min soalnya saya masih kerja")  # too long
