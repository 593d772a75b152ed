"""The console driven in Debian's chromium next to an applicant's web chat page:
log in, queue, take over, reply, hand back, resolve, rate."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import open_chat, send
from tests.support.console import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def wait_text(page, selector: str, text: str, timeout: int = 20000) -> None:
    try:
        page.wait_for_function(
            "([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)",
            arg=[selector, text],
            timeout=timeout,
        )
    except Exception as error:
        raise AssertionError(
            f"{text!r} not in {selector}; page: {page.inner_text('body')[:1500]}"
        ) from error


def file_a_ticket(chat) -> str:
    send(chat, "saya mau bicara dengan petugas")
    wait_text(chat, "#messages", "Ceritakan singkat")
    send(chat, "kartu ujian <script>window.hacked=1</script> tidak bisa dicetak sejak kemarin")
    wait_text(chat, "#messages", "kategori")
    chat.locator(".buttons button:not([disabled])").first.click()
    wait_text(chat, "#messages", "nomor pendaftaran")
    chat.get_by_role("button", name="Lewati").click()
    chat.wait_for_function(
        "/SSCN-\\d{4}-\\d{5}/.test(document.querySelector('#messages').innerText)",
        timeout=20000,
    )
    return re.search(r"SSCN-\d{4}-\d{5}", chat.inner_text("#messages")).group()


def test_take_over_reply_hand_back_resolve_and_rate(running_bot, console_url, browser):
    chat = open_chat(browser, running_bot)
    ticket = file_a_ticket(chat)

    console = browser.new_context().new_page()
    console.goto(f"{console_url}/")
    assert console.url.endswith("/masuk")
    console.fill("input[name=username]", "ani")
    console.fill("input[name=password]", PASSWORD)
    console.click("button[type=submit]")
    wait_text(console, "#queue", ticket)
    console.click(f"text={ticket}")
    wait_text(console, "h1", ticket)
    assert console.evaluate("window.hacked") is None
    assert "<script>" in console.inner_text(".applicant-text")

    console.get_by_role("button", name="Ambil alih percakapan").click()
    wait_text(console, ".notice", "diambil alih")
    wait_text(chat, "#messages", "petugas Helpdesk BKN")

    console.fill("#reply", "Mohon kirim tangkapan layar kendalanya.")
    console.get_by_role("button", name="Kirim").click()
    wait_text(chat, "#messages", "Mohon kirim tangkapan layar kendalanya.")

    bot_messages = chat.locator(".msg--bot").count()
    send(chat, "baik saya kirim nanti ya")
    wait_text(console, "#transcript", "baik saya kirim nanti ya")  # live, no reload
    chat.wait_for_timeout(1500)
    assert chat.locator(".msg--bot").count() == bot_messages  # the bot keeps quiet

    console.get_by_role("button", name="Kembalikan ke asisten").click()
    wait_text(console, ".notice", "dikembalikan")
    console.get_by_role("button", name="Selesaikan").click()
    wait_text(console, ".notice", "diselesaikan")
    wait_text(chat, "#messages", "Bagaimana penilaian Anda")
    chat.get_by_role("button", name="Sangat puas").click()
    wait_text(chat, "#messages", "Terima kasih atas penilaian")

    console.goto(f"{console_url}/kasus/{ticket}")
    assert "Sangat puas" in console.inner_text("dl")
    history = console.inner_text(".events")
    for event in ("taken_over", "agent_reply", "handed_back", "selesai", "rated"):
        assert event in history
