"""An applicant's erasure request, on SQLite and PostgreSQL (ledger and tracker store):
nothing of them is left anywhere, the others are intact, the reports' totals equal."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.events import UserUttered

from bot.config import Settings
from bot.desk_deliveries import FAILED, PENDING
from bot.erasure import ErasureRefused, conversation_of_ticket, erase, preview, subject
from bot.ledger.anonymise import CANCELLED, ERASURE_NOTE
from bot.ledger.db import UNAVAILABLE
from bot.ledger.migrate import upgrade
from bot.ledger.models import Delivery, PrivacyAudit
from bot.ledger.service import NewCase
from bot.privacy_audit import counts_of
from bot.reports.figures import Period, build_report
from bot.services import Services
from tests.support.applicants import (
    Applicant,
    Clock,
    Dataset,
    files_mentioning,
    leaks,
    migrated_world,
    totals,
)

# A Monday, 09.00 WIB.
START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.timezone.utc)
PERIOD = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def applicants() -> dict[str, Applicant]:
    return {
        "budi": Applicant(
            "telegram", "5550001", "Budi Santoso", "3175012345678901", "081298765432",
            "budi.santoso@contoh.id", "kartu ujian saya tertinggal di Cibubur",
        ),
        "citra": Applicant(
            "webchat", "9f1c2a7b3d4e5f60718293a4b5c6d7e8", "Citra Kirana", "3273019876543210",
            "085711223344", "citra.kirana@contoh.id", "berkas ijazah terunggah terbalik",
        ),
        "dewi": Applicant(
            "twitter", "4400112233", "Dewi Anggraini", "3578025566778899", "081355577799",
            "dewi.anggraini@contoh.id", "formasi guru di Kabupaten Sleman",
        ),
    }  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path, monkeypatch):
    """Three applicants: Budi (Telegram, resolved and rated case, a filing still in
    the outbox), Citra (web chat, open case taken over, a reply still to send), Dewi
    (X, no case)."""
    postgres_url = (
        request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    )
    with migrated_world(postgres_url, tmp_path, monkeypatch, START) as (services, store, data):
        yield _filled(services, store, data)


def _filled(services, store, data):
    people = applicants()
    budi, citra, dewi = people.values()
    for who in people.values():
        data.conversation(who)
        data.clock.advance(minutes=5)
    data.worked(data.case(budi), budi, resolve=True)
    data.worked(data.case(citra, "unggah_dokumen"), citra, resolve=False, deliver=False)
    data.conversation(budi, new_session=True)
    services.outbox.put(
        NewCase("telegram", budi.conversation, budi.conversation, "complaint", budi.phrase,
                nik=budi.nik, contact=budi.phone)
    )  # fmt: skip
    services.outbox.put(
        NewCase("twitter", dewi.conversation, dewi.conversation, "complaint", dewi.phrase)
    )
    return services, store, data, people


def everything(services) -> dict[str, list[str]]:
    """Where each secret of any applicant appears: ledger, tracker store, outbox."""
    return {
        **leaks(services.engine, services.cipher, ALL),
        **{
            f"tracker:{k}": v
            for k, v in leaks(services.tracker_events.engine, services.cipher, ALL).items()
        },
    }


ALL = tuple(secret for who in applicants().values() for secret in who.secrets)


def secrets_left(services, who: Applicant) -> set[str]:
    found = set(leaks(services.engine, services.cipher, who.secrets))
    found |= set(leaks(services.tracker_events.engine, services.cipher, who.secrets))
    if files_mentioning(services.outbox.directory, (who.conversation,), services.cipher):
        found.add("outbox")
    return found


def test_nothing_of_the_applicant_is_left_and_the_totals_are_equal(world):
    services, store, data, people = world
    budi, citra, dewi = people.values()
    # The data set really holds every secret, in the ledger and in the tracker store.
    for who in people.values():
        assert secrets_left(services, who) >= set(who.secrets) - {who.nik}
    assert budi.nik in secrets_left(services, budi)  # the NIK: encrypted on the case
    assert services.subscriptions.subscribe(budi.conversation)  # /langganan
    before = build_report(services.ledger, services.sessions, PERIOD)

    result = erase(services, "telegram", "5550001", "sari", "permintaan surel no. 12")

    assert secrets_left(services, budi) == set()
    assert secrets_left(services, citra) == set(citra.secrets)
    assert secrets_left(services, dewi) == set(dewi.secrets) - {dewi.nik} | {"outbox"}
    assert totals(build_report(services.ledger, services.sessions, PERIOD)) == totals(before)
    assert result.tickets == tuple(budi.tickets)
    assert result.counts["outbox"] == 1
    assert result.counts["cases"] == 1 and result.counts["case_events"] >= 3
    assert result.counts["messages"] == 4 and result.counts["tracker_events"] > 0
    assert result.counts["kb_lookups"] == 4  # two with the conversation, two matched by text
    assert result.counts["announcements"] == 1  # the subscription
    assert services.subscriptions.state(budi.conversation) is None
    with services.sessions() as session:
        audit = session.query(PrivacyAudit).one()
    assert (audit.action, audit.actor, audit.channel) == ("erase", "sari", "telegram")
    assert audit.subject_hash == services.pseudonyms.digest(budi.conversation)
    assert counts_of(audit) == result.counts
    assert "5550001" not in f"{audit.counts} {audit.reason} {audit.subject_hash}"

    again = erase(services, "telegram", budi.conversation, "sari")  # a second click
    assert again.total == 0


def test_an_open_case_keeps_its_ticket_status_and_clocks(world):
    services, _store, data, people = world
    citra = people["citra"]
    ticket = citra.tickets[0]
    case_before = services.ledger.get(ticket)
    assert conversation_of_ticket(services, ticket) == ("webchat", citra.conversation)
    shown = preview(services, citra.conversation)
    assert shown.open_tickets == (ticket,) and shown.messages == 2

    erase(services, "webchat", citra.conversation, "sari")

    case = services.ledger.get(ticket)
    assert (case.status, case.sla_due_at, case.sscn_topic) == (
        case_before.status,
        case_before.sla_due_at,
        case_before.sscn_topic,
    )
    assert case.description is None and case.display_name is None
    assert case.nik_encrypted is None and case.contact_encrypted is None
    assert case.conversation_id == services.pseudonyms.of(citra.conversation)
    assert [e.new for e in case.events if e.type == "note"][-1] == ERASURE_NOTE
    assert [e.type for e in case.events][:-1] == [e.type for e in case_before.events]
    with services.sessions() as session:
        owed = session.query(Delivery).filter(Delivery.case_id == case.id).all()
    assert owed and all(d.state == FAILED and d.last_error == CANCELLED for d in owed)
    assert not any(d.state == PENDING for d in owed)
    assert conversation_of_ticket(services, ticket) is None  # nothing left to look up


def test_rasa_starts_afresh_when_the_applicant_writes_again(world):
    services, store, _data, people = world
    budi = people["budi"]
    erase(services, "telegram", budi.platform_id, "sari")
    assert asyncio.run(store.retrieve(budi.conversation)) is None
    tracker = asyncio.run(store.get_or_create_tracker(budi.conversation))
    tracker.update(UserUttered("halo lagi"))
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve(budi.conversation))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["halo lagi"]
    dewi = asyncio.run(store.retrieve(people["dewi"].conversation))
    assert any(
        people["dewi"].name in str(e.metadata) for e in dewi.events if isinstance(e, UserUttered)
    )


@pytest.mark.parametrize(
    ("channel", "user", "message"),
    [
        ("fax", "1", "Kanal tidak dikenal."),
        ("telegram", "  ", "Isi ID pengguna atau percakapan."),
        ("telegram", "1" * 201, "ID pengguna tidak sah."),
        ("telegram", "12\n34", "ID pengguna tidak sah."),
        ("webchat", "telegram:5550001", "ID percakapan ini milik kanal lain."),
        ("telegram", "telegram:anon-" + "0" * 32, "ID ini sudah dianonimkan."),
        ("telegram", "telegram:", "Isi ID pengguna atau percakapan."),
    ],
)
def test_unusable_requests_are_refused(channel, user, message):
    with pytest.raises(ErasureRefused, match=message):
        subject(channel, user)


def test_a_platform_id_and_a_conversation_id_name_the_same_conversation():
    assert subject("telegram", "5550001") == subject("Telegram", " telegram:5550001 ")
    assert subject("twitter", "4400112233") == "twitter:4400112233"


def test_the_command_line_erases_with_the_configured_stores(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from channels.tracker_store import SQLTrackerStore
    from tests.support.applicants import DOMAIN

    env = {
        "SSCN_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "SSCN_LEDGER_KEY": Fernet.generate_key().decode(),
        "SSCN_TRACKER_DB": str(tmp_path / "tracker.db"),  # endpoints.yml: SQLite
        "SSCN_OUTBOX_DIR": str(tmp_path / "outbox"),
        "SSCN_VAR_DIR": str(tmp_path),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    upgrade(env["SSCN_DATABASE_URL"])
    services = Services(Settings.from_env())
    store = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=env["SSCN_TRACKER_DB"])
    data = Dataset(services, store, Clock(START))
    dewi = applicants()["dewi"]
    data.conversation(dewi)
    data.case(dewi)

    assert main(["privacy", "erase", "--channel", "twitter", "--user", " ", "--by", "x"]) == 2
    assert "Isi ID pengguna" in capsys.readouterr().err
    code = main(
        ["privacy", "erase", "--channel", "twitter", "--user", dewi.platform_id, "--by", "ops"]
    )

    assert code == 0
    out, err = capsys.readouterr()
    counts = dict(line.split() for line in out.splitlines())
    assert int(counts["tracker_events"]) > 0 and counts["cases"] == "1"
    assert dewi.tickets[0] in err and dewi.platform_id not in out + err
    assert not leaks(services.engine, services.cipher, dewi.secrets)
    assert not leaks(store.engine, services.cipher, dewi.secrets)
    store.engine.dispose()
    services.engine.dispose()


def test_an_erasure_cut_short_is_audited_and_finished_when_run_again(world):
    from bot.tracker_events import TrackerEvents
    from devtools.net import free_port

    services, _store, _data, people = world
    budi = people["budi"]
    reachable = services.tracker_events
    services.tracker_events = TrackerEvents.from_url(
        f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/none", connect_timeout=1
    )
    with pytest.raises(UNAVAILABLE):
        erase(services, "telegram", budi.platform_id, "sari", "surat 9")
    with services.sessions() as session:
        audit = session.query(PrivacyAudit).one()
    assert audit.reason.startswith("TIDAK SELESAI (OperationalError)")
    assert counts_of(audit) == {"outbox": 1}
    services.tracker_events = reachable

    erase(services, "telegram", budi.platform_id, "sari", "surat 9")

    assert secrets_left(services, budi) == set()
