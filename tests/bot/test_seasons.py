"""The season file Humas edits: format, validation and reload without restart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.answers import render_season
from bot.seasons import SeasonStore, parse_calendar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 1)
SEASONS = {
    "default_published_at": "https://sscasn.bkn.go.id",
    "seasons": [
        {
            "program": "cpns",
            "year": 2024,
            "announced": True,
            "registration_open": dt.date(2024, 8, 20),
            "registration_close": dt.date(2024, 9, 10),
        },
        {"program": "cpns", "year": 2026, "announced": False},
    ],
}


def write(path: Path, document) -> Path:
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_season_file_is_valid_and_cpns_2026_is_not_announced():
    calendar = SeasonStore(PROJECT_ROOT / "knowledge_base" / "config" / "seasons.yml").current()
    assert calendar.seasons
    assert calendar.unannounced("cpns", 2026, TODAY) is not None
    assert calendar.in_force("cpns", TODAY).year == 2026


def test_unannounced_seasons():
    calendar = parse_calendar(SEASONS)
    assert calendar.unannounced("cpns", 2024, TODAY) is None  # announced
    assert calendar.unannounced("cpns", 2026, TODAY).program == "cpns"
    assert calendar.unannounced("pppk", 2027, TODAY).published_at == "https://sscasn.bkn.go.id"
    assert calendar.unannounced("pppk", 2021, TODAY) is None  # past, not configured
    assert calendar.unannounced(None, 2026, TODAY).program is None


def test_season_texts():
    calendar = parse_calendar(SEASONS)
    text = render_season(calendar.unannounced("cpns", 2026, TODAY), TODAY)
    assert "CPNS 2026 belum diumumkan" in text and "sscasn.bkn.go.id" in text
    past = render_season(calendar.get("cpns", 2024), TODAY)
    assert "20 Agustus 2024" in past and "10 September 2024" in past


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"seasons": [{"program": "pns", "year": 2026}]}, "program must be one of"),
        ({"seasons": [{"program": "cpns", "year": "dua ribu"}]}, "year must be"),
        ({"seasons": [{"program": "cpns", "year": 2026, "registration_open": "1/8"}]}, "date"),
        ({"musim": []}, "a list under 'seasons'"),
    ],
)
def test_invalid_files_are_refused_with_the_reason(document, message):
    with pytest.raises(ValueError, match=message):
        parse_calendar(document)


def test_an_edit_is_used_at_once_and_a_broken_edit_keeps_the_last_good_one(tmp_path):
    path = write(tmp_path / "seasons.yml", SEASONS)
    store = SeasonStore(path)
    assert store.current().unannounced("cpns", 2026, TODAY) is not None
    announced = {
        **SEASONS,
        "seasons": [{"program": "cpns", "year": 2026, "announced": True}],
    }
    write(path, announced)
    assert store.current().unannounced("cpns", 2026, TODAY) is None
    path.write_text("seasons: [rusak", encoding="utf-8")
    assert store.current().get("cpns", 2026).announced


def test_without_a_file_every_season_is_unannounced(tmp_path):
    calendar = SeasonStore(tmp_path / "missing.yml").current()
    assert calendar.unannounced("kedinasan", 2026, TODAY) is not None


def season_with(*stages: dict, program: str = "cpns", **extra) -> dict:
    return {
        "seasons": [
            {"program": program, "year": 2027, "announced": True, "stages": list(stages), **extra}
        ]
    }


def test_stages_are_read_in_order_with_notes_and_their_own_place():
    calendar = parse_calendar(
        season_with(
            {"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"},
            {"key": "skb", "start": "2027-05-02", "end": "2027-05-20", "note": "non-CAT"},
            {"key": "skb", "start": "2027-05-10", "end": "2027-05-12", "note": "CAT"},
            {
                "key": "pengumuman_akhir",
                "start": dt.date(2027, 6, 1),
                "end": dt.date(2027, 6, 1),
                "published_at": "situs instansi",
            },
        )
    )
    season = calendar.get("cpns", 2027)
    assert [s.key for s in season.stages] == ["pendaftaran", "skb", "skb", "pengumuman_akhir"]
    assert season.registration_open == dt.date(2027, 3, 1)
    assert season.registration_close == dt.date(2027, 3, 20)
    assert season.stages[1].label == "SKB (non-CAT)" and season.stages[3].published_at
    # The window that matters: the open one, else the next, else the last one closed.
    assert season.stage("skb", dt.date(2027, 5, 11)).note == "non-CAT"  # both open: earlier
    assert season.stage("skb", dt.date(2027, 5, 15)).note == "non-CAT"
    assert season.stage("skb", dt.date(2027, 4, 1)).note == "non-CAT"
    assert season.stage("skb", dt.date(2027, 7, 1)).note == "non-CAT"  # ended last
    assert season.stage("skd", dt.date(2027, 4, 1)) is None


def test_the_older_registration_pair_is_the_pendaftaran_stage():
    season = parse_calendar(SEASONS).get("cpns", 2024)
    assert [(s.key, s.start, s.end) for s in season.stages] == [
        ("pendaftaran", dt.date(2024, 8, 20), dt.date(2024, 9, 10))
    ]


def test_the_states_of_a_stage_and_the_days_left_count_today_and_the_last_day():
    stage = (
        parse_calendar(
            season_with({"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"})
        )
        .seasons[0]
        .stages[0]
    )
    assert stage.state(dt.date(2027, 2, 28)) == "upcoming"
    assert stage.state(dt.date(2027, 3, 1)) == "open" and stage.days_left(dt.date(2027, 3, 1)) == 20
    assert stage.days_left(dt.date(2027, 3, 19)) == 2
    assert (
        stage.state(dt.date(2027, 3, 20)) == "open" and stage.days_left(dt.date(2027, 3, 20)) == 1
    )
    assert stage.state(dt.date(2027, 3, 21)) == "closed"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            season_with({"key": "ujian_akhir", "start": "2027-03-01", "end": "2027-03-02"}),
            r"season cpns 2027, stage #1: key 'ujian_akhir' is not one of pengumuman_seleksi",
        ),
        (
            season_with({"key": "pendaftaran", "start": "2027-03-20", "end": "2027-03-01"}),
            r"season cpns 2027, stage pendaftaran: ends 2027-03-01, before it starts",
        ),
        (
            season_with(
                {"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"},
                {"key": "skd", "start": "2027-02-01", "end": "2027-02-10"},
            ),
            r"season cpns 2027, stage skd: starts 2027-02-01, before pendaftaran above it",
        ),
        (
            season_with(
                {"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"},
                {"key": "pendaftaran", "start": "2027-04-01", "end": "2027-04-20"},
            ),
            r"stage pendaftaran: listed twice \(give each a different note\)",
        ),
        (
            season_with({"key": "skd", "start": "2027-03-01", "end": "2027-03-20"}, program="pppk"),
            r"season pppk 2027, stage skd: pppk has no such stage",
        ),
        (
            season_with({"key": "skd", "start": "2027-03-01"}),
            r"season cpns 2027, stage skd: start and end are required",
        ),
        (
            season_with({"key": "skd", "start": "2027-03-01", "end": "besok"}),
            r"season cpns 2027, stage skd: end 'besok' is not a date",
        ),
        (
            season_with({"key": "skd", "start": "2207-03-01", "end": "2207-03-02"}),
            r"stage skd: 2207-03-01 to 2207-03-02 is far from 2027",
        ),
        (
            season_with({"key": "skd", "start": "2027-03-01", "end": "2027-03-02", "lokasi": "x"}),
            r"stage skd: unknown key\(s\) lokasi",
        ),
        (
            season_with(
                {"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"},
                registration_open="2027-03-01",
                registration_close="2027-03-20",
            ),
            r"registration_open/close and a pendaftaran stage both given",
        ),
        (
            {
                "seasons": [
                    {
                        "program": "cpns",
                        "year": 2027,
                        "stages": [{"key": "skd", "start": "2027-03-01", "end": "2027-03-02"}],
                    }
                ]
            },
            r"season cpns 2027: has stages but announced is false",
        ),
        (
            {"seasons": [{"program": "cpns", "year": 2027, "registration_open": "2027-03-01"}]},
            r"registration_open and registration_close go together",
        ),
        (
            {"seasons": [{"program": "cpns", "year": 2027}, {"program": "cpns", "year": 2027}]},
            r"season cpns 2027: listed twice",
        ),
        (
            {"seasons": [{"program": "cpns", "year": 2027, "tahapan": []}]},
            r"season cpns 2027: unknown key\(s\) tahapan",
        ),
    ],
)
def test_bad_stages_are_refused_naming_the_season_and_the_stage(document, message):
    with pytest.raises(ValueError, match=message):
        parse_calendar(document)


def test_the_shipped_stages_follow_the_sourced_schedules():
    calendar = SeasonStore(PROJECT_ROOT / "knowledge_base" / "config" / "seasons.yml").current()
    cpns = calendar.get("cpns", 2024)
    assert cpns.stage("sanggah_administrasi", TODAY).start == dt.date(2024, 9, 20)
    assert cpns.stage("usul_nip", TODAY).end == dt.date(2025, 3, 23)
    kedinasan = calendar.get("kedinasan", 2025)
    assert kedinasan.stage("skd", TODAY).start == dt.date(2025, 8, 11)
    assert kedinasan.registration_close == dt.date(2025, 7, 18)
    for program in ("cpns", "pppk", "kedinasan"):  # 2026: nothing announced, no dates
        season = calendar.get(program, 2026)
        assert not season.announced and not season.stages
