"""`sscn outbox list | drain`: what waits for the database, and filing it by hand."""

from __future__ import annotations

from cryptography.fernet import Fernet

from bot import cli
from bot.config import current_settings
from bot.ledger.crypto import FieldCipher
from bot.ledger.outbox import Outbox
from bot.ledger.service import NewCase
from bot.services import process_services
from devtools.net import free_port


def main(args: list[str]) -> int:
    """The CLI with the variables set so far (settings are read once per process)."""
    current_settings.cache_clear()
    process_services.cache_clear()
    return cli.main(args)


def test_list_and_drain(tmp_path, monkeypatch, capsys):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SSCN_LEDGER_KEY", key)
    monkeypatch.setenv("SSCN_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("SSCN_DB_CONNECT_TIMEOUT", "1")
    outbox = Outbox(tmp_path / "outbox", FieldCipher(key))
    outbox.put(NewCase("webchat", "u1", "u1", "complaint", "pas foto ditolak terus"))

    assert main(["outbox", "list"]) == 0
    assert "pas foto ditolak terus" in capsys.readouterr().out

    nothing_listens = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/test"
    monkeypatch.setenv("SSCN_DATABASE_URL", nothing_listens)
    assert main(["outbox", "drain"]) == 1
    assert "0 filed, 1 still waiting" in capsys.readouterr().err

    monkeypatch.setenv("SSCN_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    assert main(["db", "upgrade"]) == 0
    assert main(["outbox", "drain"]) == 0
    assert capsys.readouterr().out.strip().endswith("-00001")
    assert outbox.keys() == []
