"""The knowledge-base editor: round-trip writes, the check before saving, locking."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.kb.editor import LOCK_FILE, EntryDraft, KbEditError, KbEditor
from bot.kb.history import KbHistory
from bot.kb.loader import load_directory
from bot.kb.store import KnowledgeBaseStore
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.models import Base, KbChange
from tests.support.kb import AGE, NEGATIVES, PASSWORD, SCHEDULE_2019, write_kb

COMMENTED = """\
# Akun dan kata sandi. Humas: satu entri per topik.
entries:
  # the most asked entry first
  - id: lupa_password
    title: Lupa kata sandi akun SSCASN
    questions:
      - Bagaimana cara reset kata sandi akun SSCASN?
      - lupa password sscasn gimana min  # slang kept on purpose
      - saya lupa pw akun, cara gantinya?
      - cara mengatur ulang password sscasn
    answer: |
      Buka https://helpdesk-sscasn.bkn.go.id lalu pilih menu Reset Password Akun SSCN.
    short_answer: >-
      Reset lewat https://helpdesk-sscasn.bkn.go.id menu Reset Password Akun SSCN.
    tags: [akun]
    sources:
      - {url: https://helpdesk-sscasn.bkn.go.id, year: 2023}
    programs: [all]
"""
CARD = EntryDraft(
    id="cetak_kartu_ujian",
    title="Cara mencetak kartu ujian SKD",
    questions=(
        "bagaimana cara cetak kartu ujian skd?",
        "kartu peserta ujian dicetak di mana",
        "kartu ujian belum bisa di print min",
    ),
    answer="Masuk ke akun SSCASN,\nlalu pilih menu Cetak Kartu Ujian.",
    short_answer="Cetak kartu ujian lewat akun SSCASN, menu Cetak Kartu Ujian.",
    programs=("cpns",),
    file="humas.yml",
    sources=(("https://sscasn.bkn.go.id", 2024),),
    tags=("ujian",),
)


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    directory = write_kb(tmp_path / "kb", ("syarat.yml", [AGE]), ("jadwal.yml", [SCHEDULE_2019]))
    (directory / "akun.yml").write_text(COMMENTED, encoding="utf-8")
    return directory


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def store(kb_dir, sessions):
    history = KbHistory(sessions)
    store = KnowledgeBaseStore(kb_dir, lambda: NEGATIVES, lambda loaded: history.observe(loaded))
    store.current()
    return store


@pytest.fixture
def editor(kb_dir, sessions, store) -> KbEditor:
    return KbEditor(kb_dir, KbHistory(sessions), store)


def rows(sessions) -> list[KbChange]:
    with sessions() as session:
        return session.scalars(select(KbChange).order_by(KbChange.id)).all()


def test_a_new_entry_is_written_keeping_comments_and_is_served(editor, kb_dir, store):
    editor.add_entry(CARD, "hana")
    editor.add_phrasings("lupa_password", ["akun sscasn terkunci karena lupa sandi"], "hana")

    text = (kb_dir / "akun.yml").read_text(encoding="utf-8")
    # the one line added after the last phrasing; every other byte (comments too) kept
    added = "      - akun sscasn terkunci karena lupa sandi\n"
    assert text.replace(added, "") == COMMENTED
    assert text.index(added) < text.index("    answer: |")
    new_file = (kb_dir / "humas.yml").read_text(encoding="utf-8")
    assert "answer: |\n      Masuk ke akun SSCASN,\n      lalu pilih menu Cetak Kartu Ujian.\n" in (
        new_file
    )
    assert sorted(os.listdir(kb_dir)) == [
        LOCK_FILE,
        "akun.yml",
        "humas.yml",
        "jadwal.yml",
        "syarat.yml",
    ]
    match = store.current().best("kartu ujian skd cetaknya gimana ya")
    assert match is not None and match.entry.id == "cetak_kartu_ujian"


def test_a_failed_replace_leaves_the_file_and_records_nothing(
    editor, kb_dir, sessions, monkeypatch
):
    before = (kb_dir / "akun.yml").read_bytes()

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KbEditError, match="tidak bisa dibaca atau ditulis"):
        editor.add_phrasings("lupa_password", ["sandi sscasn hilang"], "hana")
    assert (kb_dir / "akun.yml").read_bytes() == before
    assert not [name for name in os.listdir(kb_dir) if name.endswith(".tmp")]
    monkeypatch.undo()
    editor.add_entry(CARD, "hana")  # a later save confirms only what it wrote
    applied = [(row.entry_id, row.applied) for row in rows(sessions)]
    assert applied == [("lupa_password", False), ("cetak_kartu_ujian", True)]


def test_a_broken_entry_is_refused_with_the_problem(editor, kb_dir):
    files = {path.name: path.read_bytes() for path in kb_dir.glob("*.yml")}
    too_long = EntryDraft(**{**CARD.__dict__, "short_answer": "panjang " * 40})
    with pytest.raises(KbEditError) as refused:
        editor.add_entry(too_long, "hana")
    assert any("Jawaban singkat" in problem for problem in refused.value.problems)

    wrong_program = EntryDraft(**{**CARD.__dict__, "programs": ("pppk",)})
    wrong_program = EntryDraft(
        **{**wrong_program.__dict__, "questions": (*CARD.questions, "kartu ujian cpns hilang")}
    )
    with pytest.raises(KbEditError) as refused:
        editor.add_entry(wrong_program, "hana")
    assert any("names cpns" in problem for problem in refused.value.problems)

    copied = EntryDraft(**{**CARD.__dict__, "questions": (*CARD.questions, *AGE["questions"])})
    with pytest.raises(KbEditError) as refused:
        editor.add_entry(copied, "hana")
    assert any("likely conflict" in problem for problem in refused.value.problems)
    assert {path.name: path.read_bytes() for path in kb_dir.glob("*.yml")} == files


def test_a_problem_already_there_does_not_block(editor, kb_dir):
    twin = {**PASSWORD, "id": "sandi_lupa", "title": "Sandi SSCASN terlupa"}
    write_kb(kb_dir, ("kembar.yml", [twin]))  # conflicts with lupa_password (outside edit)
    editor.add_entry(CARD, "hana")
    assert "cetak_kartu_ujian" in {entry.id for entry in load_directory(kb_dir).entries}


def test_ids_and_file_names_are_checked(editor):
    with pytest.raises(KbEditError, match="sudah ada"):
        editor.add_entry(EntryDraft(**{**CARD.__dict__, "id": "batas_usia"}), "hana")
    for name in ("../akun.yml", "humas.yaml", "Humas.yml", "_x.yml", "a/b.yml"):
        with pytest.raises(KbEditError, match="Nama berkas"):
            editor.add_entry(EntryDraft(**{**CARD.__dict__, "file": name}), "hana")
    with pytest.raises(KbEditError, match="tidak ditemukan"):
        editor.add_phrasings("tidak_ada", ["apa saja"], "hana")


def test_phrasings_already_present_are_skipped(editor):
    added = editor.add_phrasings(
        "lupa_password",
        ["LUPA PASSWORD SSCASN GIMANA MIN!!", "akun sscasn saya tidak bisa masuk", ""],
        "hana",
    )
    assert added == ["akun sscasn saya tidak bisa masuk"]
    assert editor.add_phrasings("lupa_password", ["akun sscasn saya tidak bisa masuk"], "x") == []


def test_an_answer_is_corrected_unless_someone_changed_it_meanwhile(editor, kb_dir):
    opened = editor.version_of("lupa_password")
    editor.update_entry(
        "lupa_password", "hana", expected_version=opened, answer="Buka helpdesk.\nPilih Reset."
    )
    text = (kb_dir / "akun.yml").read_text(encoding="utf-8")
    assert "    answer: |\n      Buka helpdesk.\n      Pilih Reset.\n" in text
    assert "# slang kept on purpose" in text
    with pytest.raises(KbEditError, match="diubah orang lain"):
        editor.update_entry("lupa_password", "budi", expected_version=opened, title="Judul lain")
    with pytest.raises(KbEditError, match="Tidak ada perubahan"):
        editor.update_entry("lupa_password", "hana", answer="Buka helpdesk.\nPilih Reset.")


def test_concurrent_saves_lose_nothing(kb_dir, sessions, store):
    editors = [KbEditor(kb_dir, KbHistory(sessions)) for _ in range(3)]  # as three processes
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def save(index: int) -> None:
        start.wait()
        try:
            if index == 2:
                editors[index].add_entry(CARD, "budi")
            else:
                phrasing = ["sandi sscasn lupa total", "reset kata kunci akun sscasn"][index]
                editors[index].add_phrasings("lupa_password", [phrasing], f"hana{index}")
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=save, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    entries = {entry.id: entry for entry in load_directory(kb_dir).entries}
    assert {"sandi sscasn lupa total", "reset kata kunci akun sscasn"} <= set(
        entries["lupa_password"].questions
    )
    assert "cetak_kartu_ujian" in entries
    assert sorted(row.actor for row in rows(sessions) if row.applied) == ["budi", "hana0", "hana1"]


def test_phrasings_programs_and_sources_are_corrected(editor, kb_dir):
    editor.update_entry(
        "batas_usia",
        "hana",
        remove=["UMUR MAKSIMAL DAFTAR CPNS BRP"],
        programs=["cpns", "pppk"],
        sources=[("https://sscasn.bkn.go.id", 2024), ("https://www.bkn.go.id", "undated")],
    )
    entry = {e.id: e for e in load_directory(kb_dir).entries}["batas_usia"]
    assert "umur maksimal daftar cpns brp" not in entry.questions and len(entry.questions) == 3
    assert entry.programs == {"cpns", "pppk"}
    assert [(s.url, s.year) for s in entry.sources] == [
        ("https://sscasn.bkn.go.id", 2024),
        ("https://www.bkn.go.id", "undated"),
    ]
    text = (kb_dir / "syarat.yml").read_text(encoding="utf-8")
    assert (
        "programs: [cpns, pppk]" in text and "- {url: https://www.bkn.go.id, year: undated}" in text
    )
    with pytest.raises(KbEditError, match="paling sedikit 3 frasa"):
        editor.update_entry("batas_usia", "hana", remove=[entry.questions[0]])
    with pytest.raises(KbEditError, match="tahun 'kemarin' tidak valid"):
        editor.update_entry("batas_usia", "hana", sources=[("https://bkn.go.id", "kemarin")])
    with pytest.raises(KbEditError, match="Pilih program"):
        editor.update_entry("batas_usia", "hana", programs=[])
