"""``sscn broadcast list|show|resume`` for operators (sending itself: tests/channels)."""

from __future__ import annotations

from bot.announcements.broadcasts import FAILED, SENT, Broadcasts
from bot.announcements.subscriptions import Subscriptions
from bot.cli import main
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.migrate import upgrade


def test_list_show_and_what_resume_refuses(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_TOKEN", "")
    sessions = make_sessionmaker(make_engine(url))
    for chat in (1, 2, 3):
        Subscriptions(sessions).subscribe(f"telegram:{chat}")
    store = Broadcasts(sessions, lambda _: None)
    draft = store.compose("Masih draf", "isi", "", "humas1").id
    sent = store.compose("Jadwal SKD", "SKD dimulai.", "", "humas1").id
    store.start(sent)
    store.acquire(sent, "w", 30)
    store.finish(store.claim(sent, "w").id, SENT)
    store.finish(store.claim(sent, "w").id, FAILED, "Bad Request: message is too long")
    store.release(sent, "w")
    store.pause(sent)

    assert main(["broadcast", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Masih draf" in listing and "2/3" in listing and "dijeda" in listing
    assert "Pelanggan aktif: 3" in listing
    assert main(["broadcast", "show", str(sent)]) == 0
    shown = capsys.readouterr().out
    assert "terkirim 1, gagal 1" in shown and "pending 1" in shown
    assert "1 × Bad Request: message is too long" in shown
    assert main(["broadcast", "show", "999"]) == 1
    assert main(["broadcast", "resume", str(draft)]) == 1
    assert "masih draf" in capsys.readouterr().err
    assert main(["broadcast", "resume", str(sent)]) == 2  # no token: nothing changes
    assert "TELEGRAM_TOKEN belum diatur" in capsys.readouterr().err
    assert store.get(sent).state == "paused"
    assert store.recipient_states(sent) == {"sent": 1, "failed": 1, "pending": 1}
