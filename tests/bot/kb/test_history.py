"""The knowledge base's history on SQLite and PostgreSQL: console changes with who and
the diff, outside edits recorded once however many processes reload them."""

from __future__ import annotations

import threading

import pytest
import yaml
from sqlalchemy import func, select

from bot.cli import main
from bot.kb.editor import KbEditor, atomic_write
from bot.kb.history import EntryChange, KbHistory, entry_text
from bot.kb.loader import fingerprint, load_directory
from bot.kb.store import KnowledgeBaseStore
from bot.ledger.models import KbChange
from tests.support.kb import AGE, NEGATIVES, PASSWORD, SCHEDULE_2019, write_kb


@pytest.fixture
def kb_dir(tmp_path):
    return write_kb(tmp_path / "kb", ("akun.yml", [PASSWORD, AGE]), ("jadwal.yml", [SCHEDULE_2019]))


def process(kb_dir, sessions) -> KnowledgeBaseStore:
    """The knowledge base of one process (action server, console, CLI) with its hook."""
    history = KbHistory(sessions)
    return KnowledgeBaseStore(
        kb_dir, lambda: NEGATIVES, lambda loaded: history.observe(loaded, kb_dir)
    )


def edit_outside(kb_dir, **answers: str) -> None:
    """Change answers in akun.yml as someone with a text editor would."""
    path = kb_dir / "akun.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in document["entries"]:
        entry["answer"] = answers.get(entry["id"], entry["answer"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(KbChange))


def test_console_changes_show_who_and_the_diff(kb_dir, sessions):
    history = KbHistory(sessions)
    store = process(kb_dir, sessions)
    store.current()
    editor = KbEditor(kb_dir, history, store)
    editor.add_phrasings("lupa_password", ["kata sandi sscasn hilang"], "hana")
    editor.update_entry("lupa_password", "budi", answer="Pilih menu Reset Password.")

    newest, older = history.for_entry("lupa_password")
    assert (newest.actor, newest.source, newest.kind) == ("budi", "console", "changed")
    assert "-answer: Buka https://helpdesk-sscasn.bkn.go.id" in newest.diff
    assert "+answer: Pilih menu Reset Password." in newest.diff
    assert older.actor == "hana" and "+- kata sandi sscasn hilang" in older.diff
    assert newest.at >= older.at and newest.at.tzinfo is not None
    assert [record.id for record in history.recent(1)] == [newest.id]
    assert history.latest_by_entry()["lupa_password"].id == newest.id
    assert history.for_entry("batas_usia") == []
    store.current()
    assert count(sessions) == 2  # the console's own reload records no outside edit


def test_outside_edits_are_recorded_once_with_their_diff(kb_dir, sessions):
    first, second = process(kb_dir, sessions), process(kb_dir, sessions)
    first.current()
    second.current()
    assert count(sessions) == 0  # the first snapshot records nothing

    edit_outside(kb_dir, batas_usia="Usia pelamar 18 sampai 35 tahun.")
    (kb_dir / "jadwal.yml").unlink()  # the 2019 schedule removed...
    write_kb(kb_dir, ("baru.yml", [{**SCHEDULE_2019, "id": "jadwal_2019"}]))  # ...moved, renamed
    first.current()
    second.current()
    KbHistory(sessions).observe(load_directory(kb_dir))  # a third process, e.g. the CLI

    history = KbHistory(sessions)
    records = {record.entry_id: record for record in history.recent()}
    assert set(records) == {"batas_usia", "jadwal_cpns_2019", "jadwal_2019"}
    assert all(record.outside and record.actor is None for record in records.values())
    assert records["batas_usia"].kind == "changed"
    assert "+answer: Usia pelamar 18 sampai 35 tahun." in records["batas_usia"].diff
    assert (records["jadwal_cpns_2019"].kind, records["jadwal_2019"].kind) == ("removed", "added")
    assert records["jadwal_2019"].file == "baru.yml"


def test_processes_reloading_the_same_edit_at_once_record_it_once(kb_dir, sessions):
    stores = [process(kb_dir, sessions) for _ in range(4)]
    for store in stores:
        store.current()
    edit_outside(kb_dir, lupa_password="Atur ulang lewat helpdesk SSCASN.")
    start = threading.Barrier(len(stores))

    def reload(store: KnowledgeBaseStore) -> None:
        start.wait()
        store.current()

    threads = [threading.Thread(target=reload, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [(r.entry_id, r.source) for r in KbHistory(sessions).recent()] == [
        ("lupa_password", "outside")
    ]


def test_a_console_save_seen_first_by_another_process_stays_a_console_change(kb_dir, sessions):
    history = KbHistory(sessions)
    action_server = process(kb_dir, sessions)
    action_server.current()
    # the console records, writes the file and stops before it confirms (a crash)
    before = {entry.id: entry for entry in load_directory(kb_dir).entries}["lupa_password"]
    path = kb_dir / "akun.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["entries"][0]["answer"] = "Jawaban baru dari Humas."
    text = yaml.safe_dump(document, allow_unicode=True)
    scratch = kb_dir.parent / "scratch"
    write_kb(scratch)
    for name in ("akun.yml", "jadwal.yml"):
        (scratch / name).write_bytes((kb_dir / name).read_bytes())
    (scratch / "akun.yml").write_text(text, encoding="utf-8")
    after = {entry.id: entry for entry in load_directory(scratch).entries}["lupa_password"]
    change = EntryChange("lupa_password", "akun.yml", entry_text(before), entry_text(after))
    history.record_console("hana", [change], fingerprint(scratch))
    atomic_write(path, text)

    action_server.current()
    [record] = history.recent()
    assert (record.source, record.actor) == ("console", "hana")


def test_a_save_that_never_reached_the_file_is_not_shown(kb_dir, sessions):
    history = KbHistory(sessions)
    store = process(kb_dir, sessions)
    store.current()
    entry = {entry.id: entry for entry in load_directory(kb_dir).entries}["lupa_password"]
    unsaved = EntryChange("lupa_password", "akun.yml", entry_text(entry), "id: lupa_password\n")
    history.record_console("hana", [unsaved], "0" * 40)  # then the console crashed
    edit_outside(kb_dir, batas_usia="Usia 18-35 tahun.")
    store.current()
    assert [(r.entry_id, r.source) for r in history.recent()] == [("batas_usia", "outside")]
    assert history.for_entry("lupa_password") == []


def test_a_failing_history_never_stops_a_reload(kb_dir):
    def broken(loaded) -> None:
        raise RuntimeError("database down")

    store = KnowledgeBaseStore(kb_dir, lambda: NEGATIVES, broken)
    assert store.current().entry("lupa_password") is not None


def test_sscn_kb_history_records_an_outside_edit_and_lists_it(
    tmp_path, kb_dir, monkeypatch, capsys
):
    monkeypatch.setenv("SSCN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SSCN_KB_DIR", str(kb_dir))
    assert main(["db", "upgrade"]) == 0
    assert main(["kb", "history"]) == 0  # the first look: a snapshot, nothing to list
    assert "no recorded changes" in capsys.readouterr().out
    edit_outside(kb_dir, lupa_password="Atur ulang lewat helpdesk.")
    assert main(["kb", "history", "lupa_password", "--diff"]) == 0
    out = capsys.readouterr().out
    assert "lupa_password (akun.yml) changed, diubah di luar konsol" in out
    assert "+answer: Atur ulang lewat helpdesk." in out


def test_an_outside_edit_not_seen_yet_stays_apart_from_the_next_console_change(kb_dir, sessions):
    history = KbHistory(sessions)
    store = process(kb_dir, sessions)
    store.current()
    edit_outside(kb_dir, lupa_password="Atur ulang lewat helpdesk.")  # no process reloaded
    KbEditor(kb_dir, history).add_phrasings("lupa_password", ["sandi sscasn lupa"], "hana")
    console, outside = history.for_entry("lupa_password")
    assert (console.actor, outside.source) == ("hana", "outside")
    assert "+answer: Atur ulang lewat helpdesk." in outside.diff
    assert "+answer" not in console.diff and "+- sandi sscasn lupa" in console.diff
