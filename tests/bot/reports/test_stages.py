"""Volume per stage of the season file: messages, lookups and cases inside each window."""

from __future__ import annotations

import datetime as dt

from bot.kb.schema import Entry
from bot.ledger.lookups import record_lookup
from bot.reports.figures import Period, build_report
from bot.reports.render import as_csv, as_html, as_text
from bot.seasons import parse_calendar
from tests.support.reports import complaint

CALENDAR = parse_calendar(
    {
        "seasons": [
            {
                "program": "cpns",
                "year": 2027,
                "announced": True,
                "stages": [
                    {"key": "pendaftaran", "start": "2027-03-01", "end": "2027-03-20"},
                    {"key": "sanggah_administrasi", "start": "2027-03-25", "end": "2027-03-27"},
                    {"key": "skd", "start": "2027-05-01", "end": "2027-05-20"},  # after
                ],
            },
            {
                "program": "pppk",
                "year": 2027,
                "announced": True,
                "stages": [{"key": "pendaftaran", "start": "2027-03-18", "end": "2027-03-31"}],
            },
            {"program": "kedinasan", "year": 2027, "announced": False},
        ]
    }
)


def entry(entry_id: str, stage: str, programs: set[str]) -> Entry:
    return Entry(
        id=entry_id,
        title=entry_id,
        questions=("a", "b", "c"),
        answer="x",
        short_answer="x",
        source_file="uji.yml",
        programs=frozenset(programs),
        stage=stage,
    )


ENTRIES = (
    entry("cara_daftar", "pendaftaran", {"cpns", "pppk", "kedinasan"}),
    entry("pppk_daftar", "pendaftaran", {"pppk"}),
    entry("sanggah", "sanggah_administrasi", {"cpns", "pppk"}),
)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2027, 3, day, hour, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_each_window_counts_what_fell_inside_it_within_the_period(world):
    ledger, log, sessions, clock = world
    # 14 March: before the period; 16: CPNS registration; 19: CPNS and PPPK registration;
    # 22: PPPK registration only; 26: PPPK registration and the CPNS sanggah.
    for day, user in ((14, "a"), (16, "b"), (19, "c"), (19, "d"), (22, "e"), (26, "f")):
        clock.at(2027, 3, day, 10, 0)
        log.receive("webchat", user, None, "kapan pendaftaran ditutup")
    for day, faq_id in (
        (14, "cara_daftar"),
        (16, "cara_daftar"),
        (19, "pppk_daftar"),
        (19, None),
        (22, "cara_daftar"),
        (26, "sanggah"),
        (26, None),
    ):
        record_lookup(sessions, "webchat", faq_id, "kapan ditutup", at(day))
    for day, user in ((14, "a"), (17, "b"), (26, "f"), (26, "g")):
        clock.at(2027, 3, day, 11, 0)
        ledger.file(complaint(user, "unggah_dokumen", "upload gagal terus"))
    clock.at(2027, 4, 1, 9, 0)

    period = Period(dt.date(2027, 3, 15), dt.date(2027, 3, 26))
    report = build_report(ledger, sessions, period, None, CALENDAR, ENTRIES)
    rows = {row["id"]: row for row in report["stages"]}
    assert list(rows) == [
        "cpns_2027_1_pendaftaran",
        "pppk_2027_1_pendaftaran",
        "cpns_2027_2_sanggah_administrasi",
    ]  # the SKD of May and unannounced Sekolah Kedinasan are not in the period
    cpns = rows["cpns_2027_1_pendaftaran"]
    assert (cpns["counted_from"], cpns["counted_to"]) == ("2027-03-15", "2027-03-20")
    assert (cpns["start"], cpns["end"]) == ("2027-03-01", "2027-03-20")
    assert cpns["messages"] == 3 and cpns["lookups"] == 3 and cpns["unanswered"] == 1
    assert cpns["stage_lookups"] == 1  # cara_daftar on the 16th; pppk_daftar is not CPNS
    assert cpns["cases"] == 1  # the 17th; the 14th is outside the period
    pppk = rows["pppk_2027_1_pendaftaran"]
    assert (pppk["counted_from"], pppk["counted_to"]) == ("2027-03-18", "2027-03-26")
    assert pppk["messages"] == 4 and pppk["lookups"] == 5 and pppk["unanswered"] == 2
    assert pppk["stage_lookups"] == 2  # pppk_daftar (19th), cara_daftar (22nd)
    assert pppk["cases"] == 2
    sanggah = rows["cpns_2027_2_sanggah_administrasi"]
    assert (sanggah["messages"], sanggah["lookups"], sanggah["stage_lookups"]) == (1, 2, 1)
    assert sanggah["cases"] == 2 and sanggah["label"] == "Masa sanggah hasil administrasi"

    telegram = build_report(ledger, sessions, period, "telegram", CALENDAR, ENTRIES)
    assert all(row["messages"] == row["lookups"] == row["cases"] == 0 for row in telegram["stages"])

    text = as_text(report)
    assert "Volume per tahap seleksi" in text
    assert "Pendaftaran CPNS 2027 (2027-03-15 s.d. 2027-03-20)" in text
    assert "stages,cpns_2027_1_pendaftaran.messages,3" in as_csv(report).splitlines()
    page = as_html(report)
    assert 'id="stages"' in page and "Masa sanggah hasil administrasi CPNS 2027" in page


def test_without_a_season_in_the_period_the_table_says_so(world):
    ledger, _, sessions, _ = world
    period = Period(dt.date(2027, 7, 1), dt.date(2027, 7, 31))
    report = build_report(ledger, sessions, period, None, CALENDAR, ENTRIES)
    assert report["stages"] == []
    assert "Volume per tahap" not in as_text(report)
    assert "Tidak ada tahap seleksi" in as_html(report)
