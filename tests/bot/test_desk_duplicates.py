"""CaseDesk.mark_duplicate and duplicates_of on a real ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools

import pytest
from cryptography.fernet import Fernet

from bot.config import Settings
from bot.desk import DeskRefusal
from bot.ledger.lifecycle import Status
from bot.ledger.models import Base, Delivery
from bot.ledger.service import NewCase, UnknownCase
from bot.services import Services
from bot.vocabulary import CaseEventType as Event

PASSWORD = "kata-sandi-uji-123"
_users = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path) -> Services:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    settings = Settings.from_env({}).replace(
        database_url=url, ledger_key=Fernet.generate_key().decode(), var_dir=tmp_path
    )
    services = Services(settings)
    Base.metadata.create_all(services.engine)
    services.agents.add("ani", "Ani (Humas)", "agent", PASSWORD)
    services.agents.add("budi", "Budi (Humas)", "agent", PASSWORD)
    yield services
    services.engine.dispose()


def file(services: Services) -> str:
    user = f"webchat:{next(_users):05d}"
    new = NewCase(
        channel="webchat",
        channel_user=user,
        conversation_id=user,
        kind="complaint",
        summary="kartu ujian tidak bisa dicetak",
    )
    return services.ledger.file(new).case.ticket


def agent(services: Services, username: str = "ani"):
    return services.agents.by_username(username)


def types(services: Services, ticket: str) -> list[str]:
    return [event.type for event in services.ledger.get(ticket).events]


def test_a_new_case_is_verified_then_closed_as_duplicate_with_events_on_both(services):
    original, duplicate = file(services), file(services)
    outcome = services.desk.mark_duplicate(duplicate, agent(services), f" {original.lower()} ")
    assert outcome.message == f"Kasus ditandai duplikat dari {original}."
    assert outcome.conversation_id is None  # nothing owed to the applicant
    case = services.ledger.get(duplicate)
    assert case.status == Status.DUPLIKAT.value
    assert case.status_reason == f"duplikat dari {original}"
    statuses = [(e.old, e.new) for e in case.events if e.type == Event.STATUS]
    assert statuses == [
        ("belum_diverifikasi", "belum_ditindaklanjuti"),
        ("belum_ditindaklanjuti", "duplikat"),
    ]
    assert [e.new for e in case.events if e.type == Event.DUPLICATE_OF] == [original]
    merged = [e for e in services.ledger.get(original).events if e.type == Event.MERGED]
    assert [(e.new, e.actor) for e in merged] == [(duplicate, "ani")]
    assert [c.ticket for c in services.desk.duplicates_of(original)] == [duplicate]
    assert services.desk.duplicates_of(duplicate) == []


def test_duplicates_of_lists_every_merged_case_in_order(services):
    original = file(services)
    first, second = file(services), file(services)
    services.desk.mark_duplicate(second, agent(services), original)
    services.desk.mark_duplicate(first, agent(services), original)
    assert [c.ticket for c in services.desk.duplicates_of(original)] == [second, first]
    with pytest.raises(UnknownCase):
        services.desk.duplicates_of("SSCN-1999-00001")


@pytest.mark.parametrize(
    "target, message",
    [
        ("self", "dirinya sendiri"),
        ("SSCN-1999-00001", "tidak ditemukan"),
        ("", "Isi nomor tiket"),
    ],
)
def test_refusals_change_nothing(services, target, message):
    ticket = file(services)
    before = types(services, ticket)
    with pytest.raises(DeskRefusal, match=message):
        services.desk.mark_duplicate(
            ticket, agent(services), ticket if target == "self" else target
        )
    assert types(services, ticket) == before
    assert services.ledger.get(ticket).status == Status.BELUM_DIVERIFIKASI.value


def test_an_original_that_is_a_duplicate_names_the_case_to_use(services):
    root, middle, newest = file(services), file(services), file(services)
    services.desk.mark_duplicate(middle, agent(services), root)
    with pytest.raises(DeskRefusal, match=f"Tandai sebagai duplikat dari {root}"):
        services.desk.mark_duplicate(newest, agent(services), middle)
    assert services.ledger.get(newest).status == Status.BELUM_DIVERIFIKASI.value
    assert Event.MERGED not in types(services, middle)


def test_a_case_in_progress_or_closed_is_refused_in_words(services):
    original, ticket = file(services), file(services)
    services.units.save("HUMAS", "Biro Humas", True)
    services.desk.forward(ticket, agent(services), "HUMAS")
    with pytest.raises(DeskRefusal, match="sedang diproses unit") as refusal:
        services.desk.mark_duplicate(ticket, agent(services), original)
    assert "dalam_proses" not in str(refusal.value)
    services.desk.change_status(ticket, agent(services), "belum_ditindaklanjuti")
    services.desk.mark_duplicate(ticket, agent(services), original)
    with pytest.raises(DeskRefusal, match="sudah ditutup"):
        services.desk.mark_duplicate(ticket, agent(services), original)
    assert len(services.desk.duplicates_of(original)) == 1


def test_another_agents_case_is_refused_and_a_taken_over_one_is_handed_back(services):
    original, ticket = file(services), file(services)
    services.desk.take_over(ticket, agent(services, "ani"))
    with pytest.raises(DeskRefusal, match="ditangani Ani"):
        services.desk.mark_duplicate(ticket, agent(services, "budi"), original)
    outcome = services.desk.mark_duplicate(ticket, agent(services, "ani"), original)
    case = services.ledger.get(ticket)
    assert outcome.conversation_id == case.conversation_id
    assert case.taken_over_by is None
    assert types(services, ticket)[-1] == Event.HANDED_BACK
    with services.sessions() as session:
        kinds = [d.kind for d in session.query(Delivery).order_by(Delivery.id)]
    assert kinds[-1] == "resume"
