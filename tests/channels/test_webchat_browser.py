"""The web chat page in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import pytest

from tests.support.browser import open_chat, send

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_chat_answers_renders_buttons_and_survives_a_reload(running_bot, browser):
    page = open_chat(browser, running_bot)
    send(page, "min lupa pw sscasn gmn?")
    page.wait_for_selector(".buttons button:not([disabled])", timeout=15000)
    assert "helpdesk-sscasn.bkn.go.id" in page.inner_text("#messages")
    assert page.locator(".buttons button").all_inner_texts() == [
        "👍 Ya, membantu",
        "👎 Tidak membantu",
    ]
    session_id = page.evaluate("localStorage.getItem('sscn.session_id')")

    page.reload()
    page.wait_for_selector("#status[data-state=online]", timeout=15000)
    assert page.evaluate("localStorage.getItem('sscn.session_id')") == session_id
    assert "helpdesk-sscasn.bkn.go.id" in page.inner_text("#messages")  # transcript kept

    # The same conversation continues after the reload: the bot still knows
    # it asked for feedback, so "tidak membantu" leads to the escalation offer.
    send(page, "tidak membantu")
    page.wait_for_function(
        "document.querySelector('#messages').innerText.includes('teruskan ke petugas')",
        timeout=15000,
    )
    page.get_by_role("button", name="Ya, teruskan ke petugas").click()
    # The intake form starts: the category question comes with its buttons.
    page.wait_for_function(
        "document.querySelector('#messages').innerText.includes('kategori')", timeout=15000
    )
    page.wait_for_selector(".buttons button:not([disabled])", timeout=15000)
    page.locator(".buttons button:not([disabled])").first.click()
    page.wait_for_function(
        "document.querySelector('#messages').innerText.includes('nomor pendaftaran')",
        timeout=15000,
    )
    page.get_by_role("button", name="Lewati").click()
    page.wait_for_function(
        "/SSCN-\\d{4}-\\d{5}/.test(document.querySelector('#messages').innerText)",
        timeout=15000,
    )


def test_applicant_text_is_shown_as_text(running_bot, browser):
    page = open_chat(browser, running_bot)
    send(page, "<script>window.hacked=1</script> halo")
    page.wait_for_selector(".msg--bot", timeout=15000)
    assert page.evaluate("window.hacked") is None
    assert "<script>" in page.inner_text(".msg--user")


def test_a_nik_is_masked_on_screen_and_in_local_storage(running_bot, browser):
    page = open_chat(browser, running_bot)
    send(page, "nik saya 3201 2345 6789 0123 ditolak")
    page.wait_for_function(
        "document.querySelector('#messages').innerText.includes('jangan kirim NIK')",
        timeout=15000,
    )
    assert page.inner_text(".msg--user") == "nik saya [NIK] ditolak"
    stored = page.evaluate("localStorage.getItem('sscn.transcript')")
    assert "0123" not in stored and "[NIK]" in stored


PENDING_EMPTY = "JSON.parse(localStorage.getItem('sscn.pending') || '[]').length === 0"


def leave_pending(page, message_id: str, text: str) -> None:
    """As if the connection died mid-turn: the page kept a message nobody acknowledged."""
    page.evaluate(
        "([id, message]) => localStorage.setItem('sscn.pending', JSON.stringify([{id, message}]))",
        [message_id, text],
    )


def test_a_message_left_unacknowledged_is_sent_again_after_a_reload_and_handled_once(
    running_bot, browser
):
    page = open_chat(browser, running_bot)
    send(page, "halo")
    page.wait_for_function(PENDING_EMPTY, timeout=15000)  # acknowledged
    room = page.evaluate("localStorage.getItem('sscn.session_id')").split(".")[0]

    def user_texts() -> list[str]:
        events = running_bot.tracker(f"webchat:{room}")["events"]
        return [event["text"] for event in events if event["event"] == "user"]

    for _ in range(2):  # the second time it is a copy of a message already handled
        leave_pending(page, "ab" * 16, "syarat daftar cpns apa aja")
        page.reload()
        page.wait_for_selector("#status[data-state=online]", timeout=15000)
        page.wait_for_function(PENDING_EMPTY, timeout=30000)
        assert user_texts() == ["halo", "syarat daftar cpns apa aja"]
