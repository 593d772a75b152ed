"""Loading, validation, retrieval and hot reload of the knowledge base."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from bot.answers import render_answer
from bot.kb.check import check_directory
from bot.kb.loader import load_directory
from bot.kb.retriever import WRONG_ANSWER_COST, Retriever
from bot.kb.schema import Source
from bot.kb.store import KnowledgeBaseError, KnowledgeBaseStore
from bot.services import Services
from tests.support.kb import (
    AGE,
    EVEN_COST,
    NEGATIVES,
    PASSWORD,
    SCHEDULE_2019,
    default_kb,
    write_kb,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FAQ_FACTS = PROJECT_ROOT.parent / "shared" / "domain" / "faq-facts.md"
FAQ_FACTS_MORE = PROJECT_ROOT.parent / "shared" / "domain" / "faq-facts-more.md"
MIN_ENTRIES = 100


def test_loads_entries_from_every_file(tmp_path):
    loaded = load_directory(default_kb(tmp_path))
    assert loaded.problems == ()
    assert [entry.id for entry in loaded.entries] == [
        "lupa_password",
        "batas_usia",
        "jadwal_cpns_2019",
    ]
    assert loaded.entries[2].valid_until == dt.date(2019, 12, 31)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"short_answer": "x" * 281}, "short_answer is 281 characters"),
        ({"short_answer": "https://example.org/" + "a" * 300 + " " + "b" * 250}, None),
        ({"valid_from": "2020-01-02", "valid_until": "2020-01-01"}, "is after valid_until"),
        ({"valid_until": "31-12-2019"}, "is not a date"),
        ({"questions": ["satu"]}, "at least 3 question phrasings"),
        ({"answer": ""}, "answer is missing or empty"),
        ({"id": "Lupa Password"}, "id must be snake_case"),
        ({"colour": "red"}, "unknown key(s): colour"),
        ({"sources": []}, "sources must list at least one"),
        ({"sources": None}, "sources must list at least one"),
        ({"sources": [{"url": "bkn.go.id", "year": 2024}]}, "needs a url starting with https://"),
        ({"sources": [{"url": "https://bkn.go.id", "year": "kemarin"}]}, "has year 'kemarin'"),
        ({"sources": [{"url": "https://bkn.go.id", "year": "2025-24"}]}, "has year '2025-24'"),
        ({"sources": [{"url": "https://bkn.go.id"}]}, "has year None"),
        ({"sources": [{"url": "https://bkn.go.id", "year": 2024, "by": "x"}]}, "only have url"),
        ({"programs": []}, "programs must be a non-empty list"),
        ({"programs": "cpns"}, "programs must be a non-empty list"),
        ({"programs": ["cpns", "honorer"]}, "unknown program(s): honorer"),
        ({"programs": ["all", "cpns"]}, "'all' must stand alone"),
        ({"programs": ["pppk", "pppk"]}, "lists a program twice"),
        ({"stage": "daftar_ulang"}, "unknown stage 'daftar_ulang' (allowed: pengumuman_seleksi"),
        ({"stage": "skb", "programs": ["pppk"]}, "stage skb exists only for cpns"),
    ],
)
def test_validation_names_file_and_entry(tmp_path, change, expected):
    entry = {**PASSWORD, **change}
    problems = load_directory(write_kb(tmp_path, ("akun.yml", [entry]))).problems
    if expected is None:  # a URL counts 23 characters, so this one fits
        assert len(entry["short_answer"]) > 280
        assert problems == ()
        return
    assert len(problems) == 1
    assert str(problems[0]).startswith("akun.yml: ")
    assert expected in str(problems[0])


def test_entries_expose_sources_and_programs(tmp_path):
    entries = {entry.id: entry for entry in load_directory(default_kb(tmp_path)).entries}
    assert entries["lupa_password"].programs == frozenset({"cpns", "pppk", "kedinasan"})
    assert entries["batas_usia"].programs == frozenset({"cpns"})
    assert "pppk" not in entries["batas_usia"].programs
    assert entries["batas_usia"].sources == (Source("https://sscasn.bkn.go.id", "2023-24"),)
    assert entries["jadwal_cpns_2019"].sources[0].year == 2019


@pytest.mark.parametrize("year", [2024, "2024", "2024-25", "2024–2025", "undated"])
def test_source_years_accepted(tmp_path, year):
    entry = {**PASSWORD, "sources": [{"url": "https://bkn.go.id", "year": year}]}
    loaded = load_directory(write_kb(tmp_path, ("akun.yml", [entry])))
    assert loaded.problems == ()
    assert loaded.entries[0].sources[0].url == "https://bkn.go.id"


def test_check_requires_sources_and_programs(tmp_path):
    bare = {k: v for k, v in PASSWORD.items() if k not in ("sources", "programs")}
    problems = [str(p) for p in check_directory(write_kb(tmp_path, ("akun.yml", [bare])))]
    assert any("lupa_password: sources must list at least one" in p for p in problems)
    assert any("lupa_password: programs must be a non-empty list" in p for p in problems)


def test_cli_kb_check_reports_problems_and_summary(tmp_path, capsys):
    from bot.cli import main

    assert main(["kb", "check", "--dir", str(default_kb(tmp_path / "ok"))]) == 0
    out = capsys.readouterr().out
    assert "3 entries in 2 files; cpns 3, kedinasan 1, pppk 1" in out
    bare = {k: v for k, v in AGE.items() if k != "programs"}
    assert main(["kb", "check", "--dir", str(write_kb(tmp_path / "bad", ("a.yml", [bare])))]) == 1
    assert "a.yml: batas_usia: programs must be a non-empty list" in capsys.readouterr().out


def test_check_flags_a_phrasing_naming_another_program(tmp_path):
    pppk_only = {**AGE, "id": "usia_pppk", "programs": ["pppk"]}
    problems = [str(p) for p in check_directory(write_kb(tmp_path, ("a.yml", [pppk_only])))]
    expected = "usia_pppk: phrasing 'Berapa batas usia melamar CPNS?' names cpns"
    assert any(expected in p for p in problems)


def test_duplicate_ids_across_files(tmp_path):
    problems = load_directory(
        write_kb(tmp_path, ("a.yml", [PASSWORD]), ("b.yml", [PASSWORD]))
    ).problems
    assert [str(p) for p in problems] == ["b.yml: lupa_password: duplicate id (also in a.yml)"]


def test_broken_yaml_is_reported(tmp_path):
    (tmp_path / "rusak.yml").write_text("entries: [\n  - id: x", encoding="utf-8")
    problems = load_directory(tmp_path).problems
    assert "rusak.yml" in str(problems[0]) and "YAML" in str(problems[0])


def test_check_flags_conflicting_phrasings(tmp_path):
    clash = {**AGE, "questions": [*AGE["questions"], "lupa password sscasn gimana min!"]}
    problems = check_directory(write_kb(tmp_path, ("a.yml", [PASSWORD, clash])))
    assert any("likely conflict" in str(p) and "batas_usia" in str(p) for p in problems)
    assert check_directory(default_kb(tmp_path / "ok")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("min aku lupa pasword sscasn nya gmn ya", "lupa_password"),
        ("Selamat siang, saya ingin bertanya tentang batas usia", "batas_usia"),
        ("umur 35 thn msh bs daftar?", "batas_usia"),
        ("kapan sscasn 2019 dibuka", "jadwal_cpns_2019"),
    ],
)
def test_retrieval_finds_the_entry(tmp_path, query, expected):
    retriever = Retriever(load_directory(default_kb(tmp_path)).entries, NEGATIVES, EVEN_COST)
    match = retriever.best(query)
    assert match is not None and match.entry.id == expected


def test_retrieval_does_not_guess_below_threshold(tmp_path):
    retriever = Retriever(load_directory(default_kb(tmp_path)).entries, NEGATIVES)
    assert retriever.threshold == round(WRONG_ANSWER_COST / (1 + WRONG_ANSWER_COST), 2)
    assert retriever.best("resep nasi goreng enak") is None
    assert retriever.best("") is None


def test_hot_reload_picks_up_an_edit_and_survives_a_broken_one(tmp_path, caplog):
    directory = default_kb(tmp_path)
    store = KnowledgeBaseStore(directory, negatives=lambda: NEGATIVES)
    first = store.current()
    assert store.current() is first  # unchanged files: no reload

    edited = {**AGE, "answer": "Jawaban baru dari Humas: 18 sampai 35 tahun."}
    write_kb(directory, ("akun.yml", [PASSWORD, edited]))
    assert store.current().best("batas usia cpns").entry.answer.startswith("Jawaban baru")

    (directory / "akun.yml").write_text("entries:\n  - id: [rusak", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        still_serving = store.current()
    assert "rejected" in caplog.text
    assert still_serving.best("batas usia cpns").entry.answer.startswith("Jawaban baru")


def test_store_without_any_good_version_raises(tmp_path):
    (tmp_path / "a.yml").write_text("entries: 1", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        KnowledgeBaseStore(tmp_path).current()


def test_expired_entry_says_it_belongs_to_a_past_season(tmp_path):
    entry = next(
        e for e in load_directory(default_kb(tmp_path)).entries if e.id == SCHEDULE_2019["id"]
    )
    text = render_answer(entry, dt.date(2026, 11, 28))
    assert "musim seleksi yang sudah lewat" in text and "31 Desember 2019" in text
    assert "sudah lewat" not in render_answer(entry, dt.date(2019, 11, 20))
    assert render_answer(entry, dt.date(2026, 1, 1), short=True).startswith("[Info seleksi lalu]")


def test_project_knowledge_base_is_valid_and_covers_every_faq_id():
    services = Services()
    assert check_directory(services.settings.kb_dir) == []
    ids = {entry.id for entry in load_directory(services.settings.kb_dir).entries}
    assert len(ids) >= MIN_ENTRIES
    for facts in (FAQ_FACTS, FAQ_FACTS_MORE):
        if facts.exists():
            required = {
                line[3:].strip()
                for line in facts.read_text().splitlines()
                if line.startswith("## ") and line[3:].strip() != "not found"
            }
            assert required <= ids, f"missing FAQ ids: {sorted(required - ids)}"
    entries = load_directory(services.settings.kb_dir).entries
    assert all(entry.sources and entry.programs for entry in entries)


def test_check_reports_a_broken_season_calendar(tmp_path):
    kb = write_kb(tmp_path, ("akun.yml", [PASSWORD]))
    (kb / "config").mkdir()
    (kb / "config" / "seasons.yml").write_text(
        "seasons:\n  - program: cpns\n    year: dua ribu\n", encoding="utf-8"
    )
    problems = [str(p) for p in check_directory(kb)]
    assert any("seasons.yml" in p and "year must be a number" in p for p in problems)


def test_check_reports_a_bad_stage_naming_the_season_and_the_stage(tmp_path):
    kb = write_kb(tmp_path, ("akun.yml", [{**PASSWORD, "stage": "pendaftaran"}]))
    (kb / "config").mkdir()
    (kb / "config" / "seasons.yml").write_text(
        "seasons:\n  - program: kedinasan\n    year: 2027\n    announced: true\n"
        "    stages:\n      - {key: pendaftaran, start: 2027-06-20, end: 2027-06-01}\n",
        encoding="utf-8",
    )
    problems = [str(p) for p in check_directory(kb)]
    assert problems == [
        f"{kb / 'config' / 'seasons.yml'}: season kedinasan 2027, stage pendaftaran: "
        "ends 2027-06-01, before it starts (2027-06-20)"
    ]
    assert load_directory(kb).entries[0].stage == "pendaftaran"


def test_the_shipped_season_calendar_is_valid():
    from bot.config import PROJECT_ROOT
    from bot.kb.check import SEASON_FILE, season_problems

    assert season_problems(PROJECT_ROOT / "knowledge_base" / SEASON_FILE) == []
