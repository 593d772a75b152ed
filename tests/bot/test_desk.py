"""The case desk on a real ledger (SQLite and PostgreSQL): each operation is one
transaction, and a failure halfway leaves the case consistent."""

from __future__ import annotations

import threading

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.desk import RATING_REQUEST, CaseDesk, DeskRefusal, NotYours
from bot.desk_deliveries import Deliveries, DeliveryError, Undeliverable
from bot.ledger.db import UNAVAILABLE
from bot.ledger.lifecycle import Status
from bot.ledger.migrate import upgrade
from bot.ledger.models import Delivery
from bot.ledger.service import NewCase, UnknownCase
from bot.services import Services
from bot.vocabulary import CaseEventType as Event


class RecordingPort:
    """The applicant's side as the desk sees it: what reached them, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.down = False
        self.no_push: set[str] = set()
        self.gate: tuple[threading.Event, threading.Event] | None = None  # (entered, release)
        self._lock = threading.Lock()

    def _check(self, conversation_id: str) -> None:
        if self.down:
            raise DeliveryError("Rasa not reachable")
        if conversation_id in self.no_push:
            raise Undeliverable("cannot send to a rest conversation")

    def send(self, conversation_id, text, author, buttons=None) -> str:
        self._check(conversation_id)
        if self.gate is not None:
            entered, release = self.gate
            entered.set()
            release.wait(10)
        with self._lock:
            self.calls.append(("send", conversation_id, text, author, bool(buttons)))
        return "webchat"

    def pause(self, conversation_id) -> None:
        self._check(conversation_id)
        self.calls.append(("pause", conversation_id))

    def resume(self, conversation_id) -> None:
        self._check(conversation_id)
        self.calls.append(("resume", conversation_id))


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    settings = Settings.from_env({}).replace(
        database_url=url, ledger_key=Fernet.generate_key().decode(), outbox_dir=tmp_path / "out"
    )
    built = Services(settings)
    yield built
    built.engine.dispose()


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort()


@pytest.fixture
def desk(services, port) -> CaseDesk:
    deliveries = Deliveries(services.sessions, port)
    return CaseDesk(
        services.ledger, services.agents, services.intake, lambda: deliveries, services.cipher
    )


@pytest.fixture
def team(services):
    agents = services.agents
    return {
        name: agents.add(name, f"{name.title()} (Humas)", role, "kata-sandi-uji-123")
        for name, role in (("ani", "agent"), ("budi", "agent"), ("sari", "supervisor"))
    }


_numbers = iter(range(1, 10_000))


def file_case(desk: CaseDesk, **changes) -> str:
    number = next(_numbers)
    new = NewCase(
        channel="webchat",
        channel_user=f"u{number}",
        conversation_id=f"conv-{number}",
        kind="complaint",
        summary=f"akun terkunci nomor {number}",
        **changes,
    )
    return desk.file(new).ticket


def event_types(desk: CaseDesk, ticket: str) -> list[str]:
    return [e.type for e in desk.ledger.get(ticket).events]


def deliver(desk: CaseDesk, outcome):
    return desk.deliver(outcome)


def test_take_over_claims_pauses_then_greets(desk, port, team):
    ticket = file_case(desk)
    outcome = deliver(desk, desk.take_over(ticket, team["ani"]))
    case = desk.ledger.get(ticket)
    assert outcome.undelivered is None
    assert (case.assigned_agent_id, case.taken_over_by) == (team["ani"].id, "ani")
    assert [c[0] for c in port.calls] == ["pause", "send"]
    assert "Ani (Humas)" in port.calls[1][2] and port.calls[1][3] == "agent:ani"
    assert event_types(desk, ticket)[-2:] == [Event.ASSIGNED_AGENT, Event.TAKEN_OVER]
    again = desk.take_over(ticket, team["ani"])
    assert "sudah Anda ambil alih" in again.message and len(port.calls) == 2
    with pytest.raises(NotYours, match="Ani"):
        desk.take_over(ticket, team["budi"])
    with pytest.raises(NotYours):
        desk.reply(ticket, team["budi"], "halo")


def test_two_agents_taking_over_at_once_one_wins(desk, team):
    ticket = file_case(desk)
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def attempt(name: str) -> None:
        start.wait()
        try:
            results[name] = desk.take_over(ticket, team[name])
        except NotYours as error:
            results[name] = error

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("ani", "budi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [name for name, result in results.items() if isinstance(result, NotYours)]
    assert len(refused) == 1, results
    winner = ({"ani", "budi"} - set(refused)).pop()
    case = desk.ledger.get(ticket)
    assert case.taken_over_by == winner and case.assigned_agent_id == team[winner].id
    assert event_types(desk, ticket).count(Event.TAKEN_OVER) == 1


def test_rasa_down_keeps_the_case_changed_and_the_messages_owed_in_order(desk, port, team):
    ticket = file_case(desk)
    port.down = True
    outcome = deliver(desk, desk.take_over(ticket, team["ani"]))
    assert "Rasa not reachable" in outcome.undelivered and "belum terkirim" in outcome.notice
    case = desk.ledger.get(ticket)
    assert case.taken_over_by == "ani"  # the operation happened; its deliveries wait
    assert [d.kind for d in desk.owed(case)] == ["pause", "send"]
    assert port.calls == []
    desk.reply(ticket, team["ani"], "Mohon tunggu, kami cek dulu.")  # queued behind them
    port.down = False
    assert desk.retry_deliveries(ticket) == 0
    assert [c[0] for c in port.calls] == ["pause", "send", "send"]
    assert port.calls[2][2] == "Mohon tunggu, kami cek dulu."
    assert desk.owed(case) == []
    assert desk.retry_deliveries() == 0 and len(port.calls) == 3  # nothing twice


def test_a_database_failure_halfway_changes_nothing_and_sends_nothing(services, desk, port, team):
    ticket = file_case(desk)

    def fail_on_delivery(session, _context, _instances) -> None:
        if any(isinstance(obj, Delivery) for obj in session.new):
            raise OperationalError("INSERT INTO deliveries", {}, Exception("server closed"))

    event.listen(services.sessions, "before_flush", fail_on_delivery)
    try:
        with pytest.raises(OperationalError):
            desk.take_over(ticket, team["ani"])
        with pytest.raises(OperationalError):
            desk.resolve(ticket, team["sari"], "Sudah kami bantu.")
    finally:
        event.remove(services.sessions, "before_flush", fail_on_delivery)
    case = desk.ledger.get(ticket)
    assert (case.taken_over_by, case.assigned_agent_id) == (None, None)
    assert case.status == Status.BELUM_DIVERIFIKASI.value
    assert event_types(desk, ticket) == [Event.CREATED]
    assert port.calls == [] and desk.owed(case) == []


def test_an_unreachable_database_is_an_unavailable_error(tmp_path, port, team):
    settings = Settings.from_env({}).replace(
        database_url="postgresql+psycopg2://postgres@127.0.0.1:1/none", db_connect_timeout=1
    )
    down = Services(settings)
    deliveries = Deliveries(down.sessions, port)
    desk = CaseDesk(down.ledger, down.agents, down.intake, lambda: deliveries, down.cipher)
    with pytest.raises(UNAVAILABLE):
        desk.reply("SSCN-2026-00001", team["ani"], "halo")
    assert port.calls == []


def test_resolve_verifies_closes_hands_back_and_asks_for_a_rating(desk, port, team):
    ticket = file_case(desk)
    deliver(desk, desk.take_over(ticket, team["ani"]))
    port.calls.clear()
    outcome = deliver(desk, desk.resolve(ticket, team["ani"], "Akun Anda sudah dibuka."))
    assert outcome.undelivered is None
    case = desk.ledger.get(ticket)
    assert case.status == Status.SELESAI.value and case.taken_over_by is None
    assert [c[0] for c in port.calls] == ["resume", "send", "send"]
    assert port.calls[1][2] == "Akun Anda sudah dibuka."
    assert port.calls[2][2] == RATING_REQUEST and port.calls[2][4]  # with buttons
    statuses = [e.new for e in case.events if e.type == Event.STATUS]
    assert statuses == [Status.BELUM_DITINDAKLANJUTI.value, Status.SELESAI.value]
    assert desk.rate("webchat", case.channel_user, 4).csat_rating == 4


def test_forward_verifies_and_moves_into_progress_or_refuses_whole(desk, team):
    ticket = file_case(desk)
    with pytest.raises(DeskRefusal, match="Unit tidak dikenal"):
        desk.forward(ticket, team["ani"], "TIDAK_ADA")
    assert event_types(desk, ticket) == [Event.CREATED]
    assert "Biro Hubungan Masyarakat" in desk.forward(ticket, team["ani"], "HUMAS").message
    case = desk.ledger.get(ticket)
    assert case.unit.code == "HUMAS" and case.status == Status.DALAM_PROSES.value
    assert event_types(desk, ticket)[1:] == [Event.STATUS, Event.STATUS, Event.ASSIGNED]
    assert case.forwarded_at is not None and case.followed_up_at is None  # clock running


def test_refusals_leave_the_case_untouched(desk, team):
    ticket = file_case(desk)
    for attempt in (
        lambda: desk.reply(ticket, team["ani"], "   "),
        lambda: desk.reply(ticket, team["ani"], "x" * 2001),
        lambda: desk.change_status(ticket, team["ani"], Status.SELESAI.value),
        lambda: desk.change_status(ticket, team["ani"], Status.DITOLAK.value, ""),
        lambda: desk.change_status(ticket, team["ani"], "hilang"),
        lambda: desk.reassign(ticket, team["ani"], "budi"),
    ):
        with pytest.raises(DeskRefusal):
            attempt()
    assert event_types(desk, ticket) == [Event.CREATED]
    with pytest.raises(UnknownCase):
        desk.note("SSCN-2026-99999", team["ani"], "catatan")


def test_notes_are_open_to_colleagues_and_reveals_are_recorded(desk, team):
    ticket = file_case(desk, nik="3174012345678921", contact="ani@contoh.id")
    deliver(desk, desk.take_over(ticket, team["ani"]))
    desk.note(ticket, team["budi"], "pemohon pernah telepon juga")
    with pytest.raises(NotYours):
        desk.reveal(ticket, team["budi"], "nik")
    assert desk.reveal(ticket, team["ani"], "nik") == "3174012345678921"
    assert desk.reveal(ticket, team["sari"], "contact") == "ani@contoh.id"
    assert event_types(desk, ticket)[-3:] == [
        Event.NOTE,
        Event.NIK_REVEALED,
        Event.CONTACT_REVEALED,
    ]


def test_a_channel_that_cannot_be_pushed_to_fails_its_delivery_without_blocking(desk, port, team):
    ticket = file_case(desk)
    case = desk.ledger.get(ticket)
    port.no_push.add(case.conversation_id)
    outcome = deliver(desk, desk.reply(ticket, team["ani"], "halo"))
    assert outcome.undelivered is None  # nothing left to retry
    assert [(d.kind, d.state) for d in desk.owed(case)] == [("send", "failed")]
    assert desk.deliveries.owed_count() == 0


def test_concurrent_delivery_rounds_hand_each_delivery_over_once(services, desk, port, team):
    tickets = [file_case(desk) for _ in range(3)]
    port.down = True
    for ticket in tickets:
        for n in range(3):
            desk.reply(ticket, team["sari"], f"pesan {n}")
    port.down = False
    rounds = [threading.Thread(target=desk.retry_deliveries) for _ in range(4)]
    for thread in rounds:
        thread.start()
    for thread in rounds:
        thread.join()
    desk.retry_deliveries()
    sent = [(c[1], c[2]) for c in port.calls]
    assert len(sent) == len(set(sent)) == 9
    for ticket in tickets:
        conversation = desk.ledger.get(ticket).conversation_id
        assert [text for conv, text in sent if conv == conversation] == [
            "pesan 0",
            "pesan 1",
            "pesan 2",
        ]


def test_a_delivery_being_handed_over_is_not_taken_by_another_round(desk, port, team):
    ticket = file_case(desk)
    port.down = True
    desk.reply(ticket, team["sari"], "satu")
    port.down = False
    entered, release = threading.Event(), threading.Event()
    port.gate = (entered, release)
    first_round = threading.Thread(target=desk.retry_deliveries)
    first_round.start()
    assert entered.wait(10)  # the first round is inside send()
    port.gate = None
    desk.retry_deliveries()  # a second round meanwhile (another console instance)
    release.set()
    first_round.join()
    assert [c[2] for c in port.calls] == ["satu"]
