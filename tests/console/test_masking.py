"""Phone numbers and e-mails masked like the NIK, shown in clear only when revealed
(and recorded); applicant text redacted once more before it is rendered."""

from __future__ import annotations

import pytest

from bot.privacy import EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER

pytestmark = pytest.mark.integration

EMAIL, PHONE = "ani.rahma@gmail.com", "081234567812"
LEAKY = f"hubungi saya di {EMAIL} atau {PHONE}"  # as if a gate had let it through


def test_contacts_are_masked_and_their_reveal_is_recorded(console):
    ticket = console.file_case(nik="3174012345678921", contact=f"{EMAIL}, {PHONE}")
    session, csrf = console.session_of("ani")
    page = session.get(f"{console.url}/kasus/{ticket}", timeout=30).text
    assert "a***@gmail.com" in page and "08********12" in page and "31************21" in page
    assert EMAIL not in page and PHONE not in page
    assert "contact_revealed" not in [e.type for e in console.ledger.get(ticket).events]
    shown = session.post(
        f"{console.url}/kasus/{ticket}/kontak", data={"csrf_token": csrf}, timeout=30
    )
    assert EMAIL in shown.text and PHONE in shown.text and "tercatat" in shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    event = console.ledger.get(ticket).events[-1]
    assert (event.type, event.actor) == ("contact_revealed", "ani")
    assert "kontak dibuka" in session.get(f"{console.url}/kasus/{ticket}", timeout=30).text


def test_applicant_text_is_redacted_in_pages_and_feeds(console):
    ticket = console.file_case(summary=LEAKY, description=LEAKY)
    case = console.ledger.get(ticket)
    console.rasa.say(case.conversation_id, LEAKY)
    session, csrf = console.session_of("sari")
    session.post(
        f"{console.url}/kasus/{ticket}/catatan",
        data={"csrf_token": csrf, "text": f"ditelepon ke {PHONE}"},
        timeout=30,
    )
    pages = [
        session.get(f"{console.url}/kasus/{ticket}", timeout=30).text,
        session.get(f"{console.url}/api/kasus/{ticket}/transkrip", timeout=30).text,
        session.get(f"{console.url}/", timeout=30).text,
        session.get(f"{console.url}/api/antrean", timeout=30).text,
    ]
    for text in pages:
        assert EMAIL not in text and PHONE not in text
        assert EMAIL_PLACEHOLDER in text and PHONE_PLACEHOLDER in text
    assert pages[1].count(PHONE_PLACEHOLDER) == 1  # the transcript line
