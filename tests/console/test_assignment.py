"""A case is acted on by its assignee, by anyone while unassigned, by supervisors always."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.integration

ACTIONS = {
    "ambil-alih": {},
    "kembalikan": {},
    "balas": {"text": "Mohon kirim tangkapan layar."},
    "status": {"status": "dalam_proses"},
    "teruskan": {"unit": "HUMAS"},
    "selesaikan": {"text": "Sudah kami bantu."},
    "nik": {},
    "kontak": {},
}


def post(console, who, ticket: str, action: str, **data: str):
    session, csrf = who
    return session.post(
        f"{console.url}/kasus/{ticket}/{action}", data={"csrf_token": csrf, **data}, timeout=30
    )


def event_types(console, ticket: str) -> list[str]:
    return [event.type for event in console.ledger.get(ticket).events]


def test_an_agent_takes_over_an_unassigned_case_which_becomes_theirs(console):
    ticket = console.file_case()
    ani = console.session_of("ani")
    reply = post(console, ani, ticket, "ambil-alih")
    assert reply.status_code == 200 and "diambil alih" in reply.text
    case = console.ledger.get(ticket)
    assert case.taken_over_by == "ani"
    assert case.assigned_agent_id == console.agents.by_username("ani").id
    assert "Ani (Humas)" in reply.text  # shown as the case's agent
    assert post(console, ani, ticket, "kembalikan").status_code == 200
    assert console.ledger.get(ticket).taken_over_by is None


def test_another_agent_may_not_act_on_the_case_but_may_leave_a_note(console):
    ticket = console.file_case(nik="3174012345678921", contact="ani@contoh.id")
    post(console, console.session_of("ani"), ticket, "ambil-alih")
    before = event_types(console, ticket)
    sent = list(console.rasa.events[console.ledger.get(ticket).conversation_id])
    budi = console.session_of("budi")
    page = budi[0].get(f"{console.url}/kasus/{ticket}", timeout=30)
    assert "ditangani Ani (Humas)" in page.text and 'id="reply"' not in page.text
    for action, data in ACTIONS.items():
        reply = post(console, budi, ticket, action, **data)
        assert reply.status_code == 200, (action, reply.status_code)
        assert "Kasus ini ditangani Ani (Humas)" in reply.text, action
    assert event_types(console, ticket) == before  # nothing recorded, nothing revealed
    assert console.rasa.events[console.ledger.get(ticket).conversation_id] == sent
    assert console.ledger.get(ticket).taken_over_by == "ani"
    note = post(console, budi, ticket, "catatan", text="Pemohon juga menelepon.")
    assert "Catatan disimpan" in note.text


def test_a_supervisor_takes_over_and_reassigns_anyones_case(console):
    ticket = console.file_case()
    ani, budi, sari = (console.session_of(name) for name in ("ani", "budi", "sari"))
    post(console, ani, ticket, "ambil-alih")
    reply = post(console, sari, ticket, "ambil-alih")
    assert "diambil alih" in reply.text
    case = console.ledger.get(ticket)
    assert case.taken_over_by == "sari"
    assert case.assigned_agent_id == console.agents.by_username("sari").id
    assert post(console, ani, ticket, "tugaskan", agent="ani").status_code == 403
    assert "ditugaskan ke Budi" in post(console, sari, ticket, "tugaskan", agent="budi").text
    assert "Pesan terkirim" in post(console, budi, ticket, "balas", text="Halo").text
    assert "ditangani Budi" in post(console, ani, ticket, "balas", text="Halo").text
    assert "Petugas tidak dikenal" in post(console, sari, ticket, "tugaskan", agent="x").text
    assert "dilepas" in post(console, sari, ticket, "tugaskan", agent="").text
    assert console.ledger.get(ticket).assigned_agent_id is None


def test_two_agents_taking_over_at_once_one_wins(console):
    ticket = console.file_case()
    who = {name: console.session_of(name) for name in ("ani", "budi")}
    replies = {}

    def take(name: str) -> None:
        replies[name] = post(console, who[name], ticket, "ambil-alih").text

    threads = [threading.Thread(target=take, args=(name,)) for name in who]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, text in replies.items() if "Percakapan diambil alih" in text]
    assert len(winners) == 1, replies
    case = console.ledger.get(ticket)
    assert case.assigned_agent_id == console.agents.by_username(winners[0]).id
    assert case.taken_over_by == winners[0]
    assert event_types(console, ticket).count("assigned_agent") == 1
