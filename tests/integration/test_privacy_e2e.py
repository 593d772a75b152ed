"""No NIK, phone number or e-mail address in clear anywhere, against the real servers.

NIKs written in every spelling (Hypothesis) go through the REST and Telegram
channels and through a complaint intake; afterwards the tracker store, the ledger,
the server logs and every reply are searched for their digits. The contacts the
applicant gave reach the case, encrypted with the ledger key.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import make_url

from bot.ledger.crypto import FieldCipher
from devtools.fake_telegram import text_update
from tests.support.conversation import TICKET, buttons, sender, texts
from tests.support.privacy import ascii_digits, leaked, prose, written_niks
from tests.support.telegram import post

pytestmark = pytest.mark.integration
_updates = itertools.count(9_700_000)
_chats = itertools.count(9_800_000)


def tracker_texts(bot) -> list[str]:
    """Every stored event of every conversation, JSON-decoded (no ``\\u`` escapes)."""
    with sqlite3.connect(bot.env["SSCN_TRACKER_DB"]) as connection:
        rows = connection.execute("SELECT data FROM events").fetchall()
    return [json.dumps(json.loads(data), ensure_ascii=False) for (data,) in rows]


def ledger_path(bot) -> str:
    return make_url(bot.env["SSCN_DATABASE_URL"]).database


def ledger_texts(bot) -> list[str]:
    """The whole ledger database as SQL statements."""
    with sqlite3.connect(ledger_path(bot)) as connection:
        return list(connection.iterdump())


def log_texts(bot) -> list[str]:
    work_dir = Path(bot.env["SSCN_TRACKER_DB"]).parent
    return [path.read_text(errors="replace") for path in sorted(work_dir.glob("*.log"))]


def assert_nowhere(bot, secrets: list[str], replies: list[str]) -> None:
    """None of ``secrets`` (digit strings or literal contacts) in any store or reply."""
    places = {
        "reply": replies,
        "tracker store": tracker_texts(bot),
        "ledger": ledger_texts(bot),
        "log": log_texts(bot),
    }
    for place, contents in places.items():
        for secret in secrets:
            found = [
                text[:300]
                for text in contents
                if (leaked(secret, text) if secret.isdigit() else secret in text)
            ]
            assert not found, f"{secret!r} in the {place}: {found}"


def test_niks_in_every_spelling_never_reach_a_store_a_log_or_a_reply(running_bot, fake_telegram):
    sent: list[str] = []
    replies: list[str] = []

    @given(nik=written_niks(), before=prose, after=prose)
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    def over_rest(nik: tuple[str, str], before: str, after: str) -> None:
        digits, written = nik
        sent.append(digits)
        response = running_bot.say(sender(), f"halo {before} nik saya {written} {after}")
        answer = texts(response)
        replies.extend(answer)
        assert "jangan kirim NIK" in " ".join(answer)

    over_rest()

    # Telegram: a NIK in the text and in the applicant's first name.
    chat = next(_chats)
    in_name, in_text = "3174\u00a00123\u00a04567\u00a08922", "nik\u200b3174-0123-4567-8923 ya"
    update = text_update(next(_updates), chat, in_text, first_name=f"Budi {in_name}")
    assert post(running_bot, update).status_code == 200
    replies.extend(m["text"] for m in fake_telegram.wait_for("sendMessage", chat, 1))
    sent += [ascii_digits(in_name), ascii_digits(in_text)]

    assert len(sent) >= 12
    assert_nowhere(running_bot, sent, replies)


def say_texts(bot, user: str, message: str, replies: list[str]) -> list[str]:
    response = bot.say(user, message)
    answer = texts(response)
    replies.extend(answer)
    return answer


def test_an_intake_files_the_sealed_contacts_and_no_nik(running_bot):
    user, replies = sender(), []
    phone = f"0857-{uuid.uuid4().int % 10_000:04d}-{uuid.uuid4().int % 10_000:04d}"
    email = f"pelamar.{uuid.uuid4().hex[:8]}@contoh.co.id"
    nik, registration_nik = "3174 - 0123 - 4567 - 8924", "3174 - 0123 - 4567 - 8925"

    say_texts(running_bot, user, "mau bicara sama petugas", replies)
    response = running_bot.say(
        user,
        f"nilai skd saya tidak muncul padahal sudah ujian, nik {nik}, hubungi {phone} atau {email}",
    )
    replies.extend(texts(response))
    assert any("kategori" in text for text in texts(response)), texts(response)
    asked = " ".join(say_texts(running_bot, user, buttons(response)[0], replies))
    assert "nomor pendaftaran" in asked
    refused = " ".join(say_texts(running_bot, user, registration_nik, replies))
    assert "terlihat seperti NIK" in refused
    filed = " ".join(say_texts(running_bot, user, "lewati", replies))
    ticket = TICKET.search(filed).group()

    with sqlite3.connect(ledger_path(running_bot)) as connection:
        description, contact, registration = connection.execute(
            "SELECT description, contact_encrypted, registration_number FROM cases"
            " WHERE ticket = ?",
            (ticket,),
        ).fetchone()
    assert "[NIK]" in description and "[TELEPON]" in description and "[EMAIL]" in description
    assert registration is None
    cipher = FieldCipher(running_bot.env["SSCN_LEDGER_KEY"])
    assert cipher.decrypt(contact) == f"{phone}, {email}"
    assert_nowhere(
        running_bot,
        [ascii_digits(nik), ascii_digits(registration_nik), ascii_digits(phone), phone, email],
        replies,
    )


def test_a_megabyte_message_is_answered_with_a_note_and_leaks_nothing(running_bot, fake_telegram):
    nik, far_nik = "3174 0123 4567 8926", "3174 0123 4567 8927"
    message = f"nik saya {nik} tolong " + "a" * 1_000_000 + f" {far_nik}"
    replies = texts(running_bot.say(sender(), message))
    chat = next(_chats)
    assert post(running_bot, text_update(next(_updates), chat, message)).status_code == 200
    replies += [m["text"] for m in fake_telegram.wait_for("sendMessage", chat, 2)]
    joined = " ".join(replies)
    assert joined.count("2.000 karakter") == 2 and joined.count("jangan kirim NIK") == 2
    assert_nowhere(running_bot, [ascii_digits(nik), ascii_digits(far_nik)], replies)
