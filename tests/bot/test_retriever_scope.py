"""Retrieval scoped to a program and a year; lookups with season and context."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.kb.retriever import Retriever
from bot.kb.schema import Entry
from bot.lookup import MAX_SUGGESTIONS, SUGGESTION_FLOOR, Context, look_up, serving_asn_pointer
from bot.seasons import parse_calendar
from tests.support.kb import EVEN_COST, NEGATIVES

TODAY = dt.date(2026, 12, 1)
ALL = frozenset({"cpns", "pppk", "kedinasan"})


def entry(entry_id: str, title: str, questions: list[str], programs=ALL, **extra) -> Entry:
    return Entry(
        id=entry_id,
        title=title,
        questions=tuple(questions),
        answer=f"Jawaban {entry_id}.",
        short_answer=f"Jawaban {entry_id}.",
        source_file="uji.yml",
        programs=frozenset(programs),
        **extra,
    )


CPNS_AGE = entry(
    "batas_usia",
    "Batas usia pelamar CPNS",
    [
        "Berapa batas usia melamar CPNS?",
        "umur maksimal daftar cpns brp",
        "usia 36 tahun masih bisa daftar cpns?",
        "minimal umur pelamar berapa",
    ],
    programs={"cpns"},
)
PPPK_AGE = entry(
    "pppk_syarat_usia",
    "Syarat usia pelamar PPPK",
    [
        "Berapa batas usia pelamar PPPK?",
        "umur maksimal daftar p3k brp",
        "usia 50 tahun bisa daftar pppk guru?",
    ],
    programs={"pppk"},
)
PASSWORD = entry(
    "lupa_password",
    "Lupa kata sandi akun SSCASN",
    [
        "Bagaimana cara reset kata sandi akun SSCASN?",
        "lupa password sscasn gimana min",
        "saya lupa pw akun, cara gantinya?",
    ],
)
SIGN_UP = entry(
    "cara_daftar",
    "Cara mendaftar di SSCASN",
    ["Bagaimana cara daftar di sscasn?", "langkah pendaftaran akun sscasn", "cara bikin akun"],
)
SCHEDULE_2019 = entry(
    "jadwal_cpns_2019",
    "Jadwal pendaftaran CPNS 2019",
    [
        "Kapan pendaftaran CPNS 2019 dibuka?",
        "jadwal daftar cpns kapan",
        "tanggal pembukaan pendaftaran cpns",
    ],
    programs={"cpns"},
    tags=("jadwal",),
    valid_from=dt.date(2019, 11, 11),
    valid_until=dt.date(2019, 12, 31),
)
SCHEDULE_2024 = entry(
    "jadwal_cpns_2024",
    "Jadwal seleksi CPNS 2024",
    ["jadwal cpns 2024 kapan", "kapan pendaftaran cpns 2024 ditutup", "cpns 2024 dibuka tgl"],
    programs={"cpns"},
    tags=("jadwal",),
)
CALENDAR = parse_calendar({"seasons": [{"program": "cpns", "year": 2026, "announced": False}]})


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever(
        [CPNS_AGE, PASSWORD, SIGN_UP, SCHEDULE_2019, SCHEDULE_2024], NEGATIVES, EVEN_COST
    )


@pytest.fixture(scope="module")
def with_pppk() -> Retriever:
    return Retriever(
        [CPNS_AGE, PPPK_AGE, PASSWORD, SIGN_UP, SCHEDULE_2019, SCHEDULE_2024], NEGATIVES, EVEN_COST
    )


def test_a_question_naming_a_program_gets_no_entry_of_another_program(retriever):
    assert retriever.best("berapa batas usia pppk guru").entry.id == "batas_usia"  # unscoped
    assert retriever.best("berapa batas usia pppk guru", program="pppk") is None
    assert retriever.best("batas usia cpns", program="cpns").entry.id == "batas_usia"
    assert retriever.best("lupa password", program="pppk").entry.id == "lupa_password"  # all


def test_entries_dated_outside_the_named_year_do_not_answer(retriever):
    assert retriever.best("kapan pendaftaran cpns dibuka", year=2026) is None
    assert retriever.best("jadwal cpns 2019 kapan", year=2019).entry.id == "jadwal_cpns_2019"
    assert retriever.best("jadwal cpns 2024", year=2024).entry.id == "jadwal_cpns_2024"  # id year
    assert retriever.entry("lupa_password") is PASSWORD and retriever.entry("nope") is None


def test_lookup_with_a_program_without_an_entry_says_which_program(retriever, with_pppk):
    missing = look_up("berapa batas usia pppk guru", retriever, CALENDAR, TODAY)
    assert missing.match is None and missing.program == "pppk"
    found = look_up("berapa batas usia pppk guru", with_pppk, CALENDAR, TODAY)
    assert found.match.entry.id == "pppk_syarat_usia" and found.answer_program == "pppk"


@pytest.mark.parametrize(
    "text", ["kapan pendaftaran cpns 2026 dibuka?", "jadwal CPNS 2026", "kapan cpns dibuka?"]
)
def test_a_season_without_facts_is_not_announced_yet(retriever, text):
    lookup = look_up(text, retriever, CALENDAR, TODAY)
    assert lookup.match is None
    assert (lookup.season.program, lookup.season.year, lookup.season.announced) == (
        "cpns",
        2026,
        False,
    )


def test_a_named_past_season_still_gets_its_entry(retriever):
    lookup = look_up("jadwal cpns 2019 kapan", retriever, CALENDAR, TODAY)
    assert lookup.match.entry.id == "jadwal_cpns_2019" and lookup.season is None


def test_follow_ups_are_read_against_the_previous_answer(retriever, with_pppk):
    after_password = Context("lupa_password", None)
    assert look_up("gimana cara resetnya", retriever, CALENDAR, TODAY, after_password).match
    lookup = look_up("cara resetnya gimana", retriever, CALENDAR, TODAY, after_password)
    assert lookup.followup and lookup.match.entry.id == "lupa_password"
    after_age = Context("batas_usia", "cpns")
    lookup = look_up("kalau PPPK?", with_pppk, CALENDAR, TODAY, after_age)
    assert lookup.match.entry.id == "pppk_syarat_usia" and lookup.program == "pppk"
    lookup = look_up("kalau PPPK?", retriever, CALENDAR, TODAY, after_age)
    assert lookup.match is None and lookup.program == "pppk"
    # Without a previous answer the same words stay vague.
    assert not look_up("cara resetnya gimana", retriever, CALENDAR, TODAY).followup


def test_an_older_schedule_named_by_its_id_year_gives_way_to_the_season_in_force(retriever):
    lookup = look_up("cpns 2024 ditutup kapan ya", retriever, CALENDAR, TODAY)
    assert lookup.match.entry.id == "jadwal_cpns_2024"  # the year is named: its entry
    lookup = look_up("jadwal cpns kapan", retriever, CALENDAR, TODAY)
    assert lookup.match is None and lookup.season.year == 2026


def test_the_season_file_dates_beat_an_undated_entry(retriever):
    calendar = parse_calendar(
        {
            "seasons": [
                {
                    "program": "cpns",
                    "year": 2027,
                    "announced": True,
                    "registration_open": "2027-03-01",
                    "registration_close": "2027-03-20",
                }
            ]
        }
    )
    lookup = look_up("kapan daftar akun sscasn cpns 2027 dibuka", retriever, calendar, TODAY)
    assert lookup.season.registration_open == dt.date(2027, 3, 1)


def test_an_entry_dated_for_the_unannounced_season_answers_it():
    not_yet = entry(
        "casn_2025_2026",
        "Apakah CPNS 2025 atau 2026 sudah dibuka",
        ["cpns 2026 sudah dibuka belum", "kapan cpns 2026 dibuka", "jadwal cpns 2026 kapan"],
        programs={"cpns", "pppk"},
        tags=("jadwal",),
    )
    retriever = Retriever([CPNS_AGE, PASSWORD, SCHEDULE_2019, not_yet], NEGATIVES, EVEN_COST)
    for text in ("kapan pendaftaran cpns 2026 dibuka?", "jadwal cpns kapan"):
        assert look_up(text, retriever, CALENDAR, TODAY).match.entry.id == "casn_2025_2026"


def test_kalau_another_program_prefers_another_entry_and_keeps_the_season():
    kedinasan_sign_up = entry(
        "kedinasan_daftar_sekolah",
        "Cara daftar Sekolah Kedinasan",
        [
            "Bagaimana cara daftar sekolah kedinasan?",
            "daftar sekdin dimana",
            "cara mendaftar stan ipdn",
        ],
        programs={"kedinasan"},
    )
    pppk_2024 = entry(
        "jadwal_pppk_2024",
        "Jadwal seleksi PPPK 2024",
        ["jadwal pppk 2024 kapan", "kapan pendaftaran pppk 2024", "pppk 2024 dibuka tgl"],
        programs={"pppk"},
        tags=("jadwal",),
    )
    retriever = Retriever(
        [CPNS_AGE, PASSWORD, SIGN_UP, SCHEDULE_2024, kedinasan_sign_up, pppk_2024],
        NEGATIVES,
        EVEN_COST,
    )
    calendar = parse_calendar({"seasons": [{"program": "pppk", "year": 2026}]})
    after_sign_up = Context("cara_daftar", None)  # an entry for every program
    lookup = look_up("kalau sekolah kedinasan?", retriever, calendar, TODAY, after_sign_up)
    assert lookup.match.entry.id == "kedinasan_daftar_sekolah"
    after_schedule = Context("jadwal_cpns_2024", "cpns")
    lookup = look_up("kalau pppk?", retriever, calendar, TODAY, after_schedule)
    assert lookup.match.entry.id == "jadwal_pppk_2024"  # 2024 still, not "PPPK 2026 belum..."


def test_a_short_question_with_words_of_its_own_stands_alone(retriever):
    after_password = Context("lupa_password", None)
    lookup = look_up("bagaimana cara daftar di sscasn", retriever, CALENDAR, TODAY, after_password)
    assert lookup.match.entry.id == "cara_daftar"
    lookup = look_up("terus harga tiket pesawat", retriever, CALENDAR, TODAY, after_password)
    assert lookup.match is None  # its words fit neither an entry nor the previous one


PENSION = entry(
    "pensiun_pns",
    "Pensiun PNS: batas usia pensiun, berkas usul pensiun",
    ["kapan batas usia pensiun pns", "berkas usul pensiun apa saja", "sk pensiun belum terbit"],
    tags=("asn_aktif", "pensiun"),
)


def test_a_serving_civil_servants_matter_is_pointed_to_its_entry():
    retriever = Retriever([CPNS_AGE, PASSWORD, SIGN_UP, PENSION], NEGATIVES, EVEN_COST)
    assert serving_asn_pointer("berkas usul pensiun apa saja min", retriever).entry == PENSION
    # Below the threshold, the topic the message names still finds its entry.
    assert serving_asn_pointer("taspen saya kapan cair", retriever).entry == PENSION
    assert serving_asn_pointer("lupa password sscasn", retriever) is None  # not a pointer entry
    assert serving_asn_pointer("mutasi ke kabupaten lain gimana", retriever) is None  # no entry


def test_without_an_answer_the_likely_entries_are_suggested_and_nonsense_gets_none(retriever):
    vague = look_up("ganti", retriever, CALENDAR, TODAY)
    assert vague.match is None
    assert vague.suggestions[0].entry.id == "lupa_password"
    assert len(vague.suggestions) <= MAX_SUGGESTIONS
    assert all(m.score >= SUGGESTION_FLOOR for m in vague.suggestions)
    assert look_up("siapa presiden amerika sekarang", retriever, CALENDAR, TODAY).suggestions == ()
    answered = look_up("lupa password sscasn gimana", retriever, CALENDAR, TODAY)
    assert answered.match and answered.suggestions == ()
