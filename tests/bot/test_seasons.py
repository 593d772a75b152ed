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
