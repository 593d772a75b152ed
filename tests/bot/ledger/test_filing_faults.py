"""Filing survives its own faults (docs/FAULTS.md, b and c): an action retried after its
action server died files one case; a filing whose answer was lost with the database
connection goes to the outbox and still makes one case."""

from __future__ import annotations

import dataclasses

from cryptography.fernet import Fernet
from sqlalchemy.exc import OperationalError

from bot.intake import IntakeDesk
from bot.ledger.crypto import FieldCipher
from bot.ledger.db import make_sessionmaker
from bot.ledger.outbox import Outbox
from bot.ledger.service import Ledger, NewCase


def filing(key: str | None = "turn-abc") -> NewCase:
    text = "kartu ujian tidak bisa dicetak sejak kemarin"
    return NewCase(
        channel="telegram",
        channel_user="telegram:1",
        conversation_id="telegram:1",
        kind="complaint",
        summary=text,
        description=text,
        sscn_topic=None,
        intake_key=key,
    )


def make_desk(engine, tmp_path) -> IntakeDesk:
    cipher = FieldCipher(Fernet.generate_key())
    ledger = Ledger(make_sessionmaker(engine), cipher)
    return IntakeDesk(ledger, Outbox(tmp_path / "outbox", cipher), retry_seconds=3600)


def test_the_same_turn_filed_twice_is_one_case_told_as_filed_both_times(engine, tmp_path):
    desk = make_desk(engine, tmp_path)
    first, again = desk.submit(filing()), desk.submit(filing())
    assert first.created and again.created  # the applicant reads "tercatat" both times
    assert first.ticket == again.ticket
    assert len(desk.ledger.list_cases()) == 1
    other_turn = desk.submit(
        dataclasses.replace(filing("turn-def"), summary="lain", description="lain")
    )
    assert other_turn.ticket != first.ticket


def test_a_filing_committed_before_the_connection_broke_is_not_filed_again(engine, tmp_path):
    desk = make_desk(engine, tmp_path)
    real_file = desk.ledger.file

    def committed_then_lost(new):
        real_file(new)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    desk.ledger.file = committed_then_lost
    receipt = desk.submit(filing())
    assert receipt.queued and receipt.queued_key == "turn-abc"
    desk.ledger.file = real_file
    later = desk.filed_from_outbox(receipt.queued_key)  # drains the outbox
    assert later is not None and later.ticket
    assert desk.outbox.keys() == []
    assert len(desk.ledger.list_cases()) == 1
