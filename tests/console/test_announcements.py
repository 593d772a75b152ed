"""Humas composes, previews and sends an announcement from the console; agents may not."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bot.announcements.subscriptions import Subscriptions
from bot.ledger.db import make_engine, make_sessionmaker
from tests.support.console import PASSWORD

CHATS = range(710_000, 710_020)
LOCATION = re.compile(r"/humas/pengumuman/(\d+)")


def humas(console):
    console.agents.add("hani", "Hani (Humas)", "humas", PASSWORD)
    return console.session_of("hani")


def compose(session, url, csrf, **fields):
    data = {"csrf_token": csrf, "title": "Jadwal SKD", "text": "Jadwal SKD sudah terbit 🎉"}
    return session.post(f"{url}/humas/pengumuman", data={**data, **fields}, timeout=20)


def test_agents_are_refused_supervisors_let_in(console):
    session, csrf = console.session_of("ani")
    assert session.get(f"{console.url}/humas/pengumuman", timeout=10).status_code == 403
    assert session.get(f"{console.url}/api/pengumuman/1", timeout=10).status_code == 403
    reply = compose(session, console.url, csrf)
    assert reply.status_code == 403
    supervisor, _ = console.session_of("sari")
    page = supervisor.get(f"{console.url}/humas/pengumuman", timeout=10)
    assert page.status_code == 200 and "Tulis pengumuman baru" in page.text
    assert requests.get(f"{console.url}/api/pengumuman/1", timeout=10).status_code == 401


def test_compose_preview_send_and_follow_the_progress(telegram_console, fake_telegram):
    console = telegram_console
    subscriptions = Subscriptions(make_sessionmaker(make_engine(console.database_url)))
    for chat in CHATS:
        subscriptions.subscribe(f"telegram:{chat}")
    session, csrf = humas(console)
    url = console.url

    page = session.get(f"{url}/humas/pengumuman", timeout=10)
    assert page.status_code == 200 and "20 pelanggan aktif" in page.text
    refused = compose(session, url, csrf, kb_entry_id="tidak_ada")
    assert refused.status_code == 400 and "tidak ada" in refused.text
    assert "Jadwal SKD sudah terbit" in refused.text  # the draft is kept in the form
    too_long = compose(session, url, csrf, text="x" * 3501)
    assert too_long.status_code == 400 and "terlalu panjang" in too_long.text
    assert compose(session, url, "wrong-token").status_code == 403

    made = compose(session, url, csrf, kb_entry_id="lupa_password")
    assert made.status_code == 200, made.text[:500]
    broadcast = int(LOCATION.search(made.url).group(1))
    assert "Jadwal SKD sudah terbit 🎉" in made.text
    assert "Lupa kata sandi" in made.text and "Baca selengkapnya" in made.text
    assert "Kirim ke 20 pelanggan" in made.text
    assert fake_telegram.calls_to("sendMessage", CHATS[0]) == []  # a draft sends nothing

    start = f"{url}/humas/pengumuman/{broadcast}/kirim"
    with ThreadPoolExecutor(3) as pool:  # a double (triple) click
        replies = list(
            pool.map(lambda _: session.post(start, data={"csrf_token": csrf}, timeout=20), range(3))
        )
    notices = [r.url for r in replies]
    assert sum("Mulai+dikirim+ke+20" in n for n in notices) == 1, notices

    deadline = time.monotonic() + 60
    while True:
        progress = session.get(f"{url}/api/pengumuman/{broadcast}", timeout=10).json()
        if progress["state"] == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert progress == {
        "id": broadcast,
        "state": "done",
        "state_word": "selesai",
        "recipients": 20,
        "sent": 20,
        "failed": 0,
        "blocked": 0,
        "unknown": 0,
        "pending": 0,
        "percent": 100,
    }
    for chat in CHATS:
        (message,) = fake_telegram.calls_to("sendMessage", chat)
        assert message["text"].startswith("Jadwal SKD sudah terbit 🎉")
    listing = session.get(f"{url}/humas/pengumuman", timeout=10).text
    assert "selesai" in listing and "20/20" in listing
    assert "sudah+dimulai" in session.post(start, data={"csrf_token": csrf}, timeout=20).url


def test_forged_ids_and_moves_get_clear_answers(console):
    session, csrf = humas(console)
    url = console.url
    for path in ("/humas/pengumuman/999999", "/humas/pengumuman/99999999999999999999"):
        reply = session.get(f"{url}{path}", timeout=10)
        assert reply.status_code == 404 and "tidak ada" in reply.text
    assert session.get(f"{url}/humas/pengumuman/abc", timeout=10).status_code == 404
    api = session.get(f"{url}/api/pengumuman/999999", timeout=10)
    assert api.status_code == 404 and api.json() == {"error": "Pengumuman tidak ditemukan."}
    made = compose(session, url, csrf, title="Uji <script>", text="isi\x00 <b>tebal</b>")
    broadcast = int(LOCATION.search(made.url).group(1))
    assert "<b>tebal</b>" not in made.text and "&lt;b&gt;tebal&lt;/b&gt;" in made.text
    # the fake Rasa console has no Telegram token: a clear refusal, nothing started
    sent = session.post(f"{url}/humas/pengumuman/{broadcast}/kirim", data={"csrf_token": csrf})
    assert "TELEGRAM_TOKEN+belum+diatur" in sent.url
    paused = session.post(f"{url}/humas/pengumuman/{broadcast}/jeda", data={"csrf_token": csrf})
    assert "Hanya+pengumuman" in paused.url
    bogus = session.post(f"{url}/humas/pengumuman/{broadcast}/hapus", data={"csrf_token": csrf})
    assert bogus.status_code == 404
    dropped = session.post(
        f"{url}/humas/pengumuman/{broadcast}/batalkan", data={"csrf_token": csrf}
    )
    assert "dibatalkan" in dropped.url
    assert session.get(f"{url}/api/pengumuman/{broadcast}").json()["state"] == "cancelled"
