"""Filing through the intake desk: the outbox keeps filings while the database is down."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.intake import IntakeDesk, LedgerUnavailable
from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.models import Base, Case
from bot.ledger.outbox import Outbox
from bot.ledger.service import Ledger, NewCase
from bot.services import Services
from devtools.tcp_proxy import TcpProxy

NIK = "3171012345678901"


def complaint(user: str = "u1", summary: str = "upload ijazah gagal terus padahal 600kb"):
    return NewCase(
        channel="webchat",
        channel_user=user,
        conversation_id=user,
        kind="complaint",
        summary=summary,
        description=summary,
        sscn_topic="unggah_dokumen",
        nik=NIK,
        contact="budi@example.com",
    )


def make_desk(url: str, outbox_dir, retry_seconds: float = 0.2) -> IntakeDesk:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    cipher = FieldCipher(Fernet.generate_key())
    ledger = Ledger(make_sessionmaker(engine), cipher)
    return IntakeDesk(ledger, Outbox(outbox_dir, cipher), retry_seconds=retry_seconds)


@pytest.fixture
def desk(tmp_path):
    return make_desk(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "outbox")


@pytest.fixture
def proxied_postgres(postgres_url):
    """The test schema on PostgreSQL, reached through a proxy the test can cut."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.port or 5432, url.host or "127.0.0.1")
    proxy.start()
    yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.stop()


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_filing_gets_a_ticket_and_its_due_date(desk):
    receipt = desk.submit(complaint())
    assert receipt.ticket.startswith("SSCN-") and receipt.created and not receipt.queued
    assert receipt.due_at > dt.datetime.now(dt.timezone.utc)
    again = desk.submit(complaint())
    assert (again.ticket, again.created) == (receipt.ticket, False)


def test_with_postgres_unreachable_the_filing_waits_and_is_filed_when_it_is_back(
    proxied_postgres, tmp_path
):
    url, proxy = proxied_postgres
    desk = make_desk(url, tmp_path / "outbox")
    first = desk.submit(complaint("u0", "pas foto ditolak terus padahal sudah latar merah"))
    assert first.ticket

    proxy.stop()  # PostgreSQL becomes unreachable
    before = dt.datetime.now(dt.timezone.utc)
    receipt = desk.submit(complaint())
    assert receipt.queued and receipt.ticket is None
    (item,) = (tmp_path / "outbox").glob("*.json")
    stored = item.read_text()
    assert NIK not in stored and "budi@example.com" not in stored
    assert json.loads(stored)["summary"].startswith("upload ijazah")
    with pytest.raises(LedgerUnavailable):
        desk.status("webchat", "u1", None)
    assert desk.filed_from_outbox(receipt.queued_key) is None

    proxy.start()  # back: the background retry files it
    filed = wait_for(lambda: desk.filed_from_outbox(receipt.queued_key))
    assert filed.ticket == first.ticket[:-5] + f"{int(first.ticket[-5:]) + 1:05d}"
    assert not list((tmp_path / "outbox").glob("*.json"))
    case = desk.ledger.get(filed.ticket)
    assert before <= case.received_at <= before + dt.timedelta(seconds=5)  # receipt time kept
    assert desk.ledger.masked_nik(case) == "31************01"
    assert desk.status("webchat", "u1", None).ticket == filed.ticket


def test_an_item_filed_twice_makes_one_case(desk, tmp_path):
    key = desk.outbox.put(complaint())
    saved = (tmp_path / "outbox" / f"{key}.json").read_bytes()
    (filed,) = desk.outbox.drain(desk.ledger)
    # A crash after filing but before deleting leaves the item behind.
    (tmp_path / "outbox" / f"{key}.json").write_bytes(saved)
    (again,) = desk.outbox.drain(desk.ledger)
    assert (again.case.ticket, again.created) == (filed.case.ticket, False)
    assert len(desk.ledger.list_cases()) == 1


def test_outbox_items_are_private_whatever_the_umask(desk, tmp_path):
    previous = os.umask(0o022)
    try:
        key = desk.outbox.put(complaint())
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "outbox" / f"{key}.json").stat().st_mode) == 0o600


def test_a_damaged_item_is_set_aside_and_the_rest_is_filed(desk, tmp_path):
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "00000000000000000001-broken.json").write_text("{not json")
    desk.outbox.put(complaint())
    filed = desk.outbox.drain(desk.ledger)
    assert len(filed) == 1
    assert (tmp_path / "outbox" / "rejected" / "00000000000000000001-broken.json").exists()
    assert desk.outbox.keys() == []


def test_status_is_only_for_the_filer(desk):
    ticket = desk.submit(complaint()).ticket
    assert desk.status("webchat", "u1", ticket).ticket == ticket
    assert desk.status("webchat", "u1", ticket.lower()).ticket == ticket
    assert desk.status("webchat", "someone-else", ticket) is None
    assert desk.status("telegram", "u1", ticket) is None
    assert desk.status("webchat", "u1", "SSCN-2026-99999") is None
    assert desk.status("webchat", "u1", "bukan tiket") is None
    assert desk.status("webchat", "nobody", None) is None
    latest = desk.submit(complaint(summary="kartu ujian tidak bisa dicetak sejak kemarin")).ticket
    assert desk.status("webchat", "u1", None).ticket == latest
    assert isinstance(desk.ledger.get(latest), Case)


def test_resume_pending_files_what_an_earlier_run_left(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    desk = make_desk(url, tmp_path / "outbox", retry_seconds=0.1)
    assert desk.resume_pending() is False  # nothing waits: no thread
    key = desk.outbox.put(complaint())  # left behind by a run that stopped
    restarted = IntakeDesk(desk.ledger, desk.outbox, retry_seconds=0.1)
    assert restarted.resume_pending() is True
    filed = wait_for(lambda: restarted.ledger.find_by_intake_key(key))
    assert filed.ticket.startswith("SSCN-") and restarted.outbox.keys() == []


def test_services_build_the_desk_from_the_settings(tmp_path):
    settings = Settings.from_env(
        {
            "SSCN_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
            "SSCN_OUTBOX_DIR": str(tmp_path / "outbox"),
            "SSCN_OUTBOX_RETRY_SECONDS": "0.1",
            "SSCN_LEDGER_KEY": Fernet.generate_key().decode(),
        }
    )
    services = Services(settings)
    Base.metadata.create_all(services.engine)
    try:
        receipt = services.intake.submit(complaint())
        case = services.ledger.get(receipt.ticket)
        assert (
            receipt.due_at
            == case.sla_due_at
            == services.calendar.add_working_days(case.received_at, 12)
        )
        assert services.intake.outbox.directory == tmp_path / "outbox"
    finally:
        services.engine.dispose()
