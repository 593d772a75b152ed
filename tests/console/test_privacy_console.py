"""What an agent sees of an applicant who wrote personal data, against the real bot:
no NIK, phone number or e-mail address in the queue, the case page or the live
transcript (they are masked until an agent reveals them, which is recorded)."""

from __future__ import annotations

import uuid

import pytest

from tests.support.console import logged_in
from tests.support.conversation import TICKET, buttons, sender, texts
from tests.support.privacy import ascii_digits, leaked

pytestmark = pytest.mark.integration


def test_the_console_shows_no_personal_data(running_bot, console_url):
    user = sender()
    nik = "3174\u00a00123\u00a04567\u00a08931"
    phone = f"0857 {uuid.uuid4().int % 10_000:04d} {uuid.uuid4().int % 10_000:04d}"
    email = f"calon.asn.{uuid.uuid4().hex[:8]}@contoh.co.id"
    texts(running_bot.say(user, "saya mau bicara dengan petugas"))
    response = running_bot.say(
        user, f"kartu ujian saya tidak bisa dicetak, nik {nik}, wa {phone}, email {email}"
    )
    texts(running_bot.say(user, buttons(response)[0]))
    ticket = TICKET.search(" ".join(texts(running_bot.say(user, "lewati")))).group()

    session, _ = logged_in(console_url, "sari")
    pages = [
        session.get(f"{console_url}/", timeout=30).text,
        session.get(f"{console_url}/api/antrean", timeout=30).text,
        session.get(f"{console_url}/kasus/{ticket}", timeout=30).text,
        session.get(f"{console_url}/api/kasus/{ticket}/transkrip", timeout=30).text,
    ]
    assert ticket in pages[2] and "kartu ujian" in pages[2]
    for secret in (ascii_digits(nik), ascii_digits(phone)):
        assert not any(leaked(secret, page) for page in pages), secret
    assert not any(email in page for page in pages)
