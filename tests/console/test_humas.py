"""Humas's console pages over HTTP: the knowledge base, its history, the FAQ suggestions,
and who may use them."""

from __future__ import annotations

import datetime as dt
import re
import threading

import yaml

from bot.config import current_settings
from bot.kb.loader import load_directory
from bot.ledger.calendar import WIB
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.lookups import record_lookup
from bot.lookup import look_up
from bot.services import Services

VERSION = re.compile(r'name="version" value="([0-9a-f]{40})"')
PHOTO = (
    "gmn cara ganti foto profil sscasn min",
    "cara ganti foto profil sscasn",
    "gimana caranya ubah foto profil di sscasn",
    "ganti poto profil sscasn",
    "foto profil sscasn mau diganti gmn",
)
FORMATION = ("formasi guru pppk 2024 kapan dibuka", "kpn formasi guru pppk 2024 dibuka min")
PRINT = ("cara cetak kartu ujian sscasn", "kartu ujian sscasn cetak dimana", "cetak kartu ujian")


def ask(console, questions, outcome="unanswered") -> None:
    sessions = make_sessionmaker(make_engine(console.database_url))
    for number, question in enumerate(questions):
        record_lookup(
            sessions,
            "telegram",
            None,
            question,
            dt.datetime.now(dt.timezone.utc),
            conversation_id=f"telegram:{number}",
            outcome=outcome,
        )


def refresh(console, session, csrf) -> str:
    """Regroup today's questions through the page; the suggestions page after it."""
    today = dt.datetime.now(WIB).date().isoformat()
    reply = session.post(
        f"{console.url}/humas/saran/perbarui",
        data={"csrf_token": csrf, "first_day": today, "last_day": today},
        timeout=120,
    )
    assert reply.status_code == 200 and "Saran diperbarui" in reply.text, reply.text[:500]
    return reply.text


def suggestion_with(page: str, example: str) -> int:
    """The id of the suggestion card that shows ``example``."""
    for card in page.split('<article class="suggestion" id="saran-')[1:]:
        if example in card:
            return int(card.split('"', 1)[0])
    raise AssertionError(f"no suggestion shows {example!r}")


def served(console, monkeypatch) -> Services:
    """Services of another process over the console's knowledge base and ledger."""
    monkeypatch.setenv("SSCN_KB_DIR", str(console.kb_dir))
    monkeypatch.setenv("SSCN_DATABASE_URL", console.database_url)
    current_settings.cache_clear()
    return Services(current_settings())


def answers(services: Services, question: str) -> str | None:
    today = dt.datetime.now(WIB).date()
    retriever = services.knowledge_base.current()
    lookup = look_up(question, retriever, services.seasons.current(), today)
    return lookup.match.entry.id if lookup.match else None


def test_humas_has_its_pages_and_not_the_case_desk(humas_console):
    console = humas_console
    ticket = console.file_case()
    hana, _ = console.session_of("hana")
    for path in ("/humas/kb", "/humas/kb/lupa_password", "/humas/saran"):
        assert hana.get(f"{console.url}{path}", timeout=30).status_code == 200, path
    home = hana.get(f"{console.url}/", timeout=30, allow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"] == "/humas/saran"
    for path in (f"/kasus/{ticket}", "/api/antrean", "/laporan", "/admin/petugas"):
        reply = hana.get(f"{console.url}{path}", timeout=30, allow_redirects=False)
        assert reply.status_code == 403, path
    assert "Antrean" not in hana.get(f"{console.url}/humas/kb", timeout=30).text

    ani, ani_csrf = console.session_of("ani")  # an agent
    before = (console.kb_dir / "akun.yml").read_bytes()
    for path in ("/humas/kb", "/humas/kb/lupa_password", "/humas/saran", "/humas/saran/1/baru"):
        assert ani.get(f"{console.url}{path}", timeout=30).status_code == 403, path
    for path in ("/humas/kb/lupa_password", "/humas/saran/1/abaikan", "/humas/saran/perbarui"):
        reply = ani.post(
            f"{console.url}{path}", data={"csrf_token": ani_csrf, "answer": "x"}, timeout=30
        )
        assert reply.status_code == 403, path
    assert (console.kb_dir / "akun.yml").read_bytes() == before

    sari, _ = console.session_of("sari")  # a supervisor
    page = sari.get(f"{console.url}/humas/kb?cari=usia", timeout=30)
    assert page.status_code == 200 and "batas_usia" in page.text
    assert "lupa_password" not in page.text


def test_an_entry_is_corrected_and_its_history_shown(humas_console):
    console = humas_console
    hana, csrf = console.session_of("hana")
    url = f"{console.url}/humas/kb/lupa_password"
    version = VERSION.search(hana.get(url, timeout=30).text).group(1)
    form = {
        "csrf_token": csrf,
        "version": version,
        "title": "Lupa kata sandi akun SSCASN",
        "answer": "Buka <b>helpdesk</b> & pilih 'Reset Password'.\r\nTunggu e-mail 🙏",
        "short_answer": "Reset lewat helpdesk SSCASN.",
        "phrasings": "akun sscasn terkunci karena lupa sandi\n\n",
        "program": "all",
        "sources": "https://helpdesk-sscasn.bkn.go.id 2023",
        "remove": "cara mengatur ulang password sscasn",
    }
    assert hana.post(url, data={**form, "csrf_token": "palsu"}, timeout=30).status_code == 403
    reply = hana.post(url, data=form, timeout=120)
    assert reply.status_code == 200 and "Tersimpan" in reply.text, reply.text[:800]
    assert "&lt;b&gt;helpdesk&lt;/b&gt;" in reply.text and "<b>helpdesk</b>" not in reply.text
    assert "akun sscasn terkunci karena lupa sandi" in reply.text
    history = reply.text.split("<h2>Riwayat</h2>")[1]
    assert "oleh hana" in history and "<ins>+- akun sscasn terkunci karena lupa sandi</ins>" in (
        history
    )
    entry = {e.id: e for e in load_directory(console.kb_dir).entries}["lupa_password"]
    assert entry.answer == "Buka <b>helpdesk</b> & pilih 'Reset Password'.\nTunggu e-mail 🙏"
    assert "cara mengatur ulang password sscasn" not in entry.questions
    assert "<del>-- cara mengatur ulang password sscasn</del>" in history

    stale = hana.post(url, data={**form, "answer": "Jawaban lain."}, timeout=60)
    assert stale.status_code == 400 and "diubah orang lain" in stale.text
    fresh = VERSION.search(hana.get(url, timeout=30).text).group(1)
    too_long = {**form, "version": fresh, "short_answer": "panjang sekali " * 30}
    refused = hana.post(url, data=too_long, timeout=60)
    assert refused.status_code == 400 and "Jawaban singkat" in refused.text
    assert "panjang sekali panjang sekali" in refused.text  # what was typed is kept
    assert hana.get(f"{console.url}/humas/kb/tidak_ada", timeout=30).status_code == 404
    assert hana.get(f"{console.url}/humas/kb/..%2Fakun", timeout=30).status_code == 404


def test_an_edit_outside_the_console_shows_in_the_history(humas_console):
    console = humas_console
    path = console.kb_dir / "akun.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in document["entries"]:
        if entry["id"] == "batas_usia":
            entry["answer"] = "Usia pelamar 18 sampai 35 tahun saat melamar."
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    hana, _ = console.session_of("hana")
    page = hana.get(f"{console.url}/humas/kb/batas_usia", timeout=30).text
    history = page.split("<h2>Riwayat</h2>")[1]
    assert "diubah di luar konsol" in history
    assert "<ins>+answer: Usia pelamar 18 sampai 35 tahun saat melamar.</ins>" in history
    assert history.count("<li>") == 1
    listing = hana.get(f"{console.url}/humas/kb", timeout=30).text
    assert listing.count("diubah di luar konsol") >= 1


def test_a_suggestion_approved_in_the_console_answers_its_questions(humas_console, monkeypatch):
    console = humas_console
    services = served(console, monkeypatch)
    assert [answers(services, question) for question in PHOTO] == [None] * len(PHOTO)
    ask(console, PHOTO)
    hana, csrf = console.session_of("hana")
    suggestion_id = suggestion_with(refresh(console, hana, csrf), PHOTO[1])
    url = f"{console.url}/humas/saran/{suggestion_id}/baru"
    prefilled = hana.get(url, timeout=30).text
    suggestion = services.suggestions.get(suggestion_id)
    assert f'value="{suggestion.proposed_id}"' in prefilled
    form = {
        "csrf_token": csrf,
        "entry_id": suggestion.proposed_id,
        "title": "Cara mengganti foto profil akun SSCASN",
        "questions": "\n".join(suggestion.questions),
        "answer": "Foto profil tidak bisa diganti setelah akun dibuat.\nHubungi helpdesk.",
        "short_answer": "Foto profil akun SSCASN tidak bisa diganti; hubungi helpdesk.",
        "program": "all",
        "sources": "https://sscasn.bkn.go.id 2024",
        "file": "humas.yml",
    }
    refused = hana.post(url, data={**form, "sources": "https://sscasn.bkn.go.id"}, timeout=60)
    assert refused.status_code == 400 and "Sumber baris 1" in refused.text
    assert "Foto profil tidak bisa diganti" in refused.text  # the answer typed is kept

    replies: list = []

    def submit() -> None:
        replies.append(hana.post(url, data=form, timeout=180))

    clicks = [threading.Thread(target=submit) for _ in range(2)]  # a double click
    for click in clicks:
        click.start()
    for click in clicks:
        click.join(timeout=200)
    saved = [r for r in replies if r.url.split("?")[0].endswith(f"/kb/{suggestion.proposed_id}")]
    assert len(saved) == 1 and "saran disetujui" in saved[0].text
    [other] = [r for r in replies if r is not saved[0]]
    assert "sudah diputuskan oleh hana" in other.text or "sudah ada" in other.text
    assert (console.kb_dir / "humas.yml").read_text().count(f"id: {suggestion.proposed_id}") == 1
    assert services.suggestions.get(suggestion_id).state == "approved"

    for question in suggestion.questions:  # replayed through the served knowledge base
        assert answers(services, question) == suggestion.proposed_id, question


def test_suggestions_are_added_to_an_entry_or_dismissed(humas_console):
    console = humas_console
    ask(console, PRINT, outcome="low_confidence")
    ask(console, FORMATION)
    hana, csrf = console.session_of("hana")
    page = refresh(console, hana, csrf)
    printing, formation = suggestion_with(page, PRINT[0]), suggestion_with(page, FORMATION[0])

    forged = [*PRINT[:2], "frasa palsu yang tidak ditanyakan"]
    reply = hana.post(
        f"{console.url}/humas/saran/{printing}/gabung",
        data={"csrf_token": csrf, "entry_id": "lupa_password", "phrasing": forged},
        timeout=120,
    )
    assert "2 frasa ditambahkan" in reply.text, reply.text[:800]
    questions = {e.id: e for e in load_directory(console.kb_dir).entries}["lupa_password"].questions
    assert set(PRINT[:2]) <= set(questions) and forged[2] not in questions

    reply = hana.post(
        f"{console.url}/humas/saran/{formation}/abaikan", data={"csrf_token": csrf}, timeout=60
    )
    assert "Saran diabaikan" in reply.text
    again = hana.post(
        f"{console.url}/humas/saran/{formation}/abaikan", data={"csrf_token": csrf}, timeout=60
    )
    assert "sudah diputuskan oleh hana" in again.text
    page = refresh(console, hana, csrf)
    assert FORMATION[0] not in page and PRINT[0] not in page and PHOTO[0] not in page


def test_hostile_input_gets_a_clear_answer(humas_console):
    console = humas_console
    hana, csrf = console.session_of("hana")
    before = {path.name: path.read_bytes() for path in console.kb_dir.glob("*.yml")}
    nasty = {
        "csrf_token": csrf,
        "title": "\x00",
        "answer": "x" * 5000,
        "short_answer": "🙂" * 300,
        "version": "zz",
        "sources": "ftp://contoh 2024\nhttps://bkn.go.id kemarin",
        "program": ["semua", "cpns"],
        "phrasings": "\u200b\n" * 200,
        "entry_id": "../../etc/passwd",
        "other_id": "<script>",
        "phrasing": "' OR 1=1 --",
        "first_day": "2026-02-30",
        "last_day": "9999-12-31",
        "file": "../akun.yml",
    }
    posts = (
        "/humas/kb/lupa_password",
        "/humas/kb/%C3%A9%F0%9F%99%82",
        "/humas/saran/perbarui",
        "/humas/saran/99999999999999999999/baru",
        "/humas/saran/0/gabung",
        "/humas/saran/-1/abaikan",
    )
    for path in posts:
        reply = hana.post(f"{console.url}{path}", data=nasty, timeout=60)
        assert reply.status_code < 500 and "Traceback" not in reply.text, (path, reply.text[:300])
    reply = hana.post(
        f"{console.url}/humas/saran/perbarui",
        data={"csrf_token": csrf, "first_day": "0001-01-01", "last_day": "9999-12-31"},
        timeout=60,
    )
    assert "Periode paling panjang" in reply.text
    search = hana.get(f"{console.url}/humas/kb", params={"cari": "<script>x</script>"}, timeout=30)
    assert "&lt;script&gt;x&lt;/script&gt;" in search.text and "<script>x" not in search.text
    assert {path.name: path.read_bytes() for path in console.kb_dir.glob("*.yml")} == before
