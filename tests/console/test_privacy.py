"""/admin/privasi on a real console: a supervisor finds a conversation by its ticket,
checks it, confirms and erases it (audited); agents are refused; nothing personal is
echoed; hostile input gets a clear message."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import MessageLog
from bot.ledger.models import PrivacyAudit

NIK = "3171056677889900"
NAME = "Rina Oktaviani"
PHRASE = "pas foto saya tertukar dengan orang lain"


def filed(console) -> tuple[str, str]:
    ticket = console.file_case(
        summary=f"{PHRASE} ({NAME})",
        description=f"{PHRASE}, atas nama {NAME}",
        display_name=NAME,
        nik=NIK,
        contact="081377788899, rina.oktaviani@contoh.id",
    )
    conversation = console.ledger.get(ticket).conversation_id
    sessions = make_sessionmaker(make_engine(console.database_url))
    MessageLog(sessions).receive("webchat", conversation, None, f"{PHRASE}, saya {NAME}")
    return ticket, conversation


def test_a_supervisor_erases_an_applicant_through_the_form(console):
    ticket, conversation = filed(console)
    session, csrf = console.session_of("sari")
    url = f"{console.url}/admin/privasi"

    found = session.get(url, params={"tiket": ticket.lower()}, timeout=10)
    assert found.status_code == 200
    assert f'value="{conversation}"' in found.text
    checked = session.post(
        f"{url}/periksa",
        data={"csrf_token": csrf, "channel": "webchat", "user": conversation},
        timeout=10,
    )
    assert ticket in checked.text and "Pesan tercatat" in checked.text
    unconfirmed = session.post(
        f"{url}/hapus",
        data={"csrf_token": csrf, "channel": "webchat", "user": conversation},
        timeout=10,
    )
    assert "Centang konfirmasi" in unconfirmed.text
    assert console.ledger.get(ticket).display_name == NAME

    done = session.post(
        f"{url}/hapus",
        data={
            "csrf_token": csrf,
            "channel": "webchat",
            "user": conversation,
            "confirm": "ya",
            "reason": f"surat no. 7, NIK {NIK}",
        },
        timeout=30,
    )

    assert done.status_code == 200 and "Data pemohon sudah dihapus" in done.text
    assert re.search(r"Log pesan</td><td>1<", done.text)
    for page in (found.text, checked.text, done.text):
        assert NIK not in page and NAME not in page
    case = console.ledger.get(ticket)
    assert case.display_name is None and case.nik_encrypted is None
    assert case.status == "belum_diverifikasi"
    with make_sessionmaker(make_engine(console.database_url))() as db:
        audit = db.execute(select(PrivacyAudit).order_by(PrivacyAudit.id.desc())).scalars().first()
    assert (audit.actor, audit.action, audit.channel) == ("sari", "erase", "webchat")
    assert NIK not in audit.reason and "[NIK]" in audit.reason
    page = session.get(f"{console.url}/kasus/{ticket}", timeout=60)  # first one imports more
    assert page.status_code == 200 and "[dihapus]" in page.text and NAME not in page.text
    assert "data pemohon dihapus atas permintaan" in page.text
    listing = session.get(url, timeout=10).text
    assert "hapus atas permintaan" in listing and conversation not in listing
    again = session.get(url, params={"tiket": ticket}, timeout=10)
    assert "sudah dihapus" in again.text


def test_agents_are_refused(console):
    ticket, conversation = filed(console)
    session, csrf = console.session_of("ani")
    url = f"{console.url}/admin/privasi"
    assert session.get(url, timeout=10).status_code == 403
    data = {"csrf_token": csrf, "channel": "webchat", "user": conversation, "confirm": "ya"}
    assert session.post(f"{url}/hapus", data=data, timeout=10).status_code == 403
    assert console.ledger.get(ticket).display_name == NAME


def test_hostile_input_gets_a_clear_message(console):
    session, csrf = console.session_of("sari")
    url = f"{console.url}/admin/privasi"
    cases = [
        ({"channel": "fax", "user": "1"}, "Kanal tidak dikenal"),
        ({"channel": "telegram", "user": "9" * 5000}, "ID pengguna tidak sah"),
        ({"channel": "telegram", "user": "🙂\u202e"}, "ID pengguna tidak sah"),
        ({"channel": "webchat", "user": "telegram:1"}, "milik kanal lain"),
        ({}, "Kanal tidak dikenal"),
    ]
    for data, message in cases:
        for path in ("periksa", "hapus"):
            reply = session.post(
                f"{url}/{path}", data={"csrf_token": csrf, "confirm": "ya", **data}, timeout=10
            )
            assert reply.status_code == 200 and message in reply.text, (path, data)
    assert session.get(url, params={"tiket": "bukan tiket"}, timeout=10).status_code == 200
    no_csrf = session.post(f"{url}/hapus", data={"channel": "telegram", "user": "1"}, timeout=10)
    assert no_csrf.status_code == 403
