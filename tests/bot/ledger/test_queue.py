"""The agents' queue: filters, search, order by SLA due time, pages."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.ledger import queue
from bot.ledger.lifecycle import Status
from bot.ledger.models import Agent
from bot.ledger.queue import MINE, OPEN, UNASSIGNED, QueueFilter, ticket_candidates
from bot.ledger.service import NewCase


def new(user: str, summary: str, name: str | None = None, **changes) -> NewCase:
    case = NewCase("telegram", user, user, "complaint", summary, display_name=name)
    return dataclasses.replace(case, **changes)


def test_filters_search_order_and_pages(ledger, clock):
    with ledger.sessions() as session, session.begin():
        session.add(
            Agent(
                id=7,
                username="ani",
                display_name="Ani",
                role="agent",
                password_hash="-",
                created_at=clock.now,
            )
        )
    tickets = []
    for number in range(7):
        clock.now += dt.timedelta(days=1)
        tickets.append(
            ledger.file(
                new(
                    f"tg:{number}",
                    f"keluhan nomor {number}",
                    "Siti Aminah" if number == 3 else f"Pelamar {number}",
                    sscn_topic="unggah_dokumen" if number % 2 else "akun_nik",
                    channel="webchat" if number == 5 else "telegram",
                    description="Resume 100% rusak_parah" if number == 6 else None,
                )
            ).case.ticket
        )
    ledger.assign(tickets[1], "DIT_PENGADAAN", "ani")
    ledger.assign_agent(tickets[2], 7, "ani")
    ledger.set_status(tickets[4], Status.DITOLAK, "ani", reason="bukan kewenangan BKN")
    page = ledger.queue(QueueFilter())
    assert [row.ticket for row in page.rows] == tickets  # earliest SLA due first
    assert (page.total, page.page, page.pages) == (7, 1, 1)
    row = page.rows[1]
    assert (row.unit, row.status_label, row.topic) == (
        "DIT_PENGADAAN",
        "diterima, menunggu verifikasi petugas",
        "unggah_dokumen",
    )
    assert row.clocks.sla.due_at == ledger.get(row.ticket).sla_due_at

    def found(**wanted) -> list[str]:
        return [row.ticket for row in ledger.queue(QueueFilter(**wanted), agent_id=7).rows]

    assert tickets[4] not in found(status=OPEN) and len(found(status=OPEN)) == 6
    assert found(status="ditolak") == [tickets[4]]
    assert found(topic="unggah_dokumen") == tickets[1::2]
    assert found(channel="webchat") == [tickets[5]]
    assert found(unit="DIT_PENGADAAN") == [tickets[1]]
    assert found(assignee=MINE) == [tickets[2]]
    assert tickets[2] not in found(assignee=UNASSIGNED) and len(found(assignee=UNASSIGNED)) == 6
    assert found(search=tickets[3].lower()) == [tickets[3]]
    assert found(search=str(int(tickets[3][-5:]))) == [tickets[3]]  # the number alone
    assert found(search="siti") == [tickets[3]] == found(search="AMINAH", status=OPEN)
    assert found(search="nomor 3") == []  # the name only
    assert found(text="NOMOR 2") == [tickets[2]]
    assert found(text="100% rusak_") == [tickets[6]]  # % and _ match themselves
    assert found(text="50%") == []
    assert found(breached=True) == []
    clock.now = ledger.get(tickets[0]).sla_due_at + dt.timedelta(minutes=1)
    late = [t for t in tickets if t != tickets[4] and ledger.get(t).sla_due_at < clock.now]
    assert found(breached=True) == late and tickets[0] in late and tickets[6] not in late
    assert ledger.open_count() == 6 and ledger.open_count(breached=True) == len(late)

    second = ledger.queue(QueueFilter(), page=2)
    assert ([r.ticket for r in second.rows], second.page) == (
        tickets,
        1,
    )  # past the end: the last page


def test_pages_of_fifty(ledger, clock):
    for number in range(51):
        clock.now += dt.timedelta(minutes=1)
        ledger.file(new(f"tg:{number}", f"keluhan {number}"))
    first, last = ledger.queue(QueueFilter()), ledger.queue(QueueFilter(), page=9)
    assert (len(first.rows), first.pages, first.total) == (50, 2, 51)
    assert (len(last.rows), last.page) == (1, 2)
    assert [r.ticket for r in first.rows + last.rows] == [
        r.ticket for r in ledger.queue(QueueFilter(), page=1).rows
    ] + [last.rows[0].ticket]
    assert last.rows[0].ticket == "SSCN-2026-00051"


def test_ticket_candidates():
    assert ticket_candidates("sscn-2026-00042", 2026) == ["SSCN-2026-00042"]
    assert ticket_candidates("2025-42", 2026) == ["SSCN-2025-00042"]
    assert ticket_candidates("42", 2026) == ["SSCN-2026-00042", "SSCN-2025-00042"]
    assert ticket_candidates("siti", 2026) == [] == ticket_candidates("0", 2026)


def test_a_search_counts_its_matches_up_to_the_cap_and_pages_in_due_order(
    ledger, clock, monkeypatch
):
    monkeypatch.setattr(queue, "COUNT_CAP", 60)
    for number in range(70):
        clock.now += dt.timedelta(minutes=1)
        ledger.file(new(f"tg:{number}", f"kartu ujian tidak muncul {number}"))
    ledger.file(new("tg:lain", "akun terkunci"))
    first = ledger.queue(QueueFilter(text="UJIAN tidak"))
    assert (first.total, first.capped, first.pages, len(first.rows)) == (60, True, 2, 50)
    second = ledger.queue(QueueFilter(text="ujian tidak"), page=2)
    tickets = [r.ticket for r in first.rows + second.rows]
    assert tickets == sorted(tickets) and len(set(tickets)) == 60
    exact = ledger.queue(QueueFilter(text="terkunci"))
    assert (exact.total, exact.capped, [r.summary for r in exact.rows]) == (
        1,
        False,
        ["akun terkunci"],
    )
