"""The console driven in Debian's chromium.

Next to an applicant's web chat page (a real bot): log in, queue, take over, reply
with Ctrl+Enter, hand back, resolve, rate. Over a fake Rasa (no model): the
transcript's authors and buttons, statuses in words, the notification badge, a
colleague's view of a case someone else holds, the canned-reply search, marking a
duplicate, and the layout at 1280 and 1920 px (screenshots in docs/).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.ledger.messages import MessageLog
from tests.support.browser import open_chat, send
from tests.support.console import PASSWORD

DOCS = Path(__file__).resolve().parents[2] / "docs"
RAW_STATUSES = ("belum_diverifikasi", "belum_ditindaklanjuti", "dalam_proses")

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
    wait_text(console, ".case-head", "diterima, menunggu verifikasi petugas")
    # The category the applicant pressed reads as its title, marked as pressed.
    console.wait_for_selector("#transcript li.clicked .chip.chosen")
    chosen = console.inner_text("#transcript li.clicked .chip.chosen")
    assert chosen and not chosen.startswith("/"), chosen
    assert chosen in console.inner_text("#transcript .offered")
    assert not any(raw in console.inner_text("body") for raw in RAW_STATUSES)

    console.get_by_role("button", name="Ambil alih percakapan").click()
    wait_text(console, ".notice", "diambil alih")
    wait_text(chat, "#messages", "petugas Helpdesk BKN")
    assert console.evaluate("document.activeElement.id") == "reply"

    console.keyboard.type("Mohon kirim tangkapan layar kendalanya.")
    console.keyboard.press("Control+Enter")
    wait_text(console, ".notice", "Pesan terkirim")
    wait_text(chat, "#messages", "Mohon kirim tangkapan layar kendalanya.")
    wait_text(console, "#transcript", "Ani (Humas)")

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
    for event in (
        "percakapan diambil alih",
        "balasan petugas",
        "dikembalikan ke asisten",
        "selesai",
        "penilaian pemohon",
    ):
        assert event in history


# --- Over a fake Rasa (tests/console/fake_rasa.py): no model needed -----------------
TOPIC_BUTTONS = [
    {"title": "Kartu ujian", "payload": '/inform{"sscn_topic":"kartu_ujian"}'},
    {"title": "Akun dan pendaftaran", "payload": '/inform{"sscn_topic":"akun"}'},
]


def a_conversation(console, ticket: str) -> str:
    """The fake tracker of ``ticket``: a bot offering buttons, the applicant pressing one."""
    conversation = console.ledger.get(ticket).conversation_id
    events = console.rasa.events[conversation]
    events.append(
        {"event": "user", "text": "kartu ujian saya tidak bisa dicetak", "timestamp": time.time()}
    )
    events.append(
        {
            "event": "bot",
            "text": "Kendalanya tentang apa?",
            "data": {"buttons": TOPIC_BUTTONS},
            "metadata": {},
            "timestamp": time.time(),
        }
    )
    events.append({"event": "user", "text": TOPIC_BUTTONS[0]["payload"], "timestamp": time.time()})
    return conversation


@pytest.fixture(scope="module")
def warm_console(console):
    """The fake console once its knowledge base is loaded (the first case page fits it:
    seconds, more on a busy machine), so the browser's page loads are quick."""
    session, _ = console.session_of("ani")
    ticket = console.file_case(summary="pemanasan")
    assert session.get(f"{console.url}/kasus/{ticket}", timeout=180).status_code == 200
    return console


def page_as(console, browser, username: str, width: int = 1280, height: int = 800):
    token = console.agents.log_in(username, PASSWORD, "browser-test").token
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "sscn_session", "value": token, "url": console.url}])
    return context.new_page()


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found, f"{selector} is not on screen"
    return found


def assert_layout_holds(page) -> None:
    """Two columns side by side, nothing overlapping, no horizontal scroll; the reply
    box right under the transcript, inside the conversation column."""
    side, conversation = box(page, ".side"), box(page, ".conversation")
    transcript, reply = box(page, "#transcript"), box(page, "#reply-form")
    assert side["x"] + side["width"] <= conversation["x"], (side, conversation)
    assert transcript["y"] + transcript["height"] <= reply["y"] + 1, (transcript, reply)
    assert reply["y"] + reply["height"] <= page.viewport_size["height"], reply
    assert conversation["x"] <= reply["x"]
    assert reply["x"] + reply["width"] <= conversation["x"] + conversation["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_queue_and_case_in_words_with_badge_canned_search_and_keyboard(warm_console, browser):
    console = warm_console
    ticket = console.file_case(summary="kartu ujian tidak bisa dicetak")
    conversation = a_conversation(console, ticket)
    page = page_as(console, browser, "ani")
    page.goto(f"{console.url}/")
    wait_text(page, "#queue", ticket)
    queue_text = page.inner_text("main")
    assert "diterima, menunggu verifikasi petugas" in queue_text
    assert "Pengaduan" in queue_text and "Obrolan web" in queue_text
    assert not any(raw in queue_text for raw in RAW_STATUSES)
    page.screenshot(path=str(DOCS / "console-queue-1280.png"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # A new case arrives: the title gets a badge; opening the queue clears it.
    title = page.title()
    page.wait_for_timeout(1200)  # the first poll has learnt the server's clock
    console.file_case(summary="nilai SKD belum muncul")
    page.wait_for_function("() => document.title.startsWith('(1) ')", timeout=15000)
    assert page.inner_text("#badge") == "1 baru"
    page.goto(f"{console.url}/kasus/{ticket}")
    assert page.title().startswith(ticket)

    page.wait_for_selector("#transcript li.clicked")
    assert page.inner_text("#transcript li.clicked .chip.chosen") == "Kartu ujian"
    assert "sscn_topic" not in page.inner_text("#transcript")
    assert page.locator("#transcript .offered .chip").all_inner_texts() == [
        "Kartu ujian",
        "Akun dan pendaftaran",
    ]
    assert page.locator("#transcript .author").all_inner_texts() == [
        "Pemohon",
        "Asisten",
        "Pemohon",
    ]
    assert "diterima, menunggu verifikasi petugas" in page.inner_text(".case-head")
    body = page.inner_text("body")
    assert not any(raw in body for raw in RAW_STATUSES), body

    page.get_by_role("button", name="Ambil alih percakapan").click()
    wait_text(page, ".notice", "diambil alih")
    assert page.evaluate("document.activeElement.id") == "reply"

    # Canned replies: filter, arrow keys, Enter inserts the answer at the cursor.
    search = page.get_by_role("combobox", name="Cari jawaban siap pakai")
    search.fill("sscasn")
    options = page.locator("#canned-list [role=option]:not([hidden])")
    assert options.count() >= 2
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    chosen = options.nth(1).get_attribute("data-answer")
    assert search.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    before = page.url
    page.keyboard.press("Enter")
    assert page.url == before  # Enter in the search never submits the form
    assert page.input_value("#reply") == chosen
    assert page.inner_text("#reply-count") == f"{len(chosen)}/2000"

    page.fill("#reply", "Mohon kirim tangkapan layar kendalanya.")
    page.press("#reply", "Control+Enter")
    wait_text(page, ".notice", "Pesan terkirim")
    sent = [e for e in console.rasa.events[conversation] if e.get("event") == "bot"]
    assert sent[-1]["text"] == "Mohon kirim tangkapan layar kendalanya."
    wait_text(page, "#transcript", "Ani (Humas)")

    page.set_viewport_size({"width": 1280, "height": 800})
    assert_layout_holds(page)
    page.screenshot(path=str(DOCS / "console-case-1280.png"))
    page.set_viewport_size({"width": 1920, "height": 1080})
    assert_layout_holds(page)
    history, conversation_box = box(page, ".history"), box(page, ".conversation")
    assert history["x"] >= conversation_box["x"] + conversation_box["width"]  # three columns
    page.screenshot(path=str(DOCS / "console-case-1920.png"))

    # The applicant writes in the case Ani holds: a badge on her queue page.
    page.goto(f"{console.url}/")
    page.wait_for_timeout(1200)
    MessageLog(console.ledger.sessions, claim_seconds=1).receive(
        "webchat", conversation, None, "sudah saya kirim tangkapan layarnya"
    )
    page.wait_for_function("() => document.title.startsWith('(1) ')", timeout=15000)
    assert title.endswith("Konsol Helpdesk SSCN")
    page.context.close()


def test_a_colleague_sees_who_holds_the_case_and_may_only_note(warm_console, browser):
    console = warm_console
    ticket = console.file_case(summary="akun terkunci")
    a_conversation(console, ticket)
    mine = page_as(console, browser, "ani")
    mine.goto(f"{console.url}/kasus/{ticket}")
    mine.get_by_role("button", name="Ambil alih percakapan").click()
    wait_text(mine, ".notice", "diambil alih")
    mine.context.close()

    colleague = page_as(console, browser, "budi")
    colleague.goto(f"{console.url}/kasus/{ticket}")
    assert "Sedang ditangani Ani (Humas)" in colleague.inner_text(".case-head")
    assert "Sedang ditangani Ani (Humas)" in colleague.inner_text(".chat")
    for name in ("Kembalikan ke asisten", "Ubah status", "Tandai duplikat", "Selesaikan"):
        assert colleague.get_by_role("button", name=name, exact=True).is_disabled(), name
    assert colleague.locator("#reply").count() == 0  # only Ani answers the applicant
    assert "Hanya Ani (Humas) yang membalas" in colleague.inner_text(".chat")
    note = colleague.get_by_role("button", name="Simpan catatan")
    assert note.is_enabled()
    colleague.get_by_label("Catatan internal").fill("Saya bantu cek datanya.")
    note.click()
    wait_text(colleague, ".notice", "Catatan disimpan")
    colleague.context.close()


def test_mark_duplicate_links_both_cases_and_shows_the_merged_transcript(warm_console, browser):
    console = warm_console
    original = console.file_case(summary="kartu ujian tidak bisa dicetak")
    a_conversation(console, original)
    duplicate = console.file_case(summary="kartu ujian saya juga tidak bisa dicetak")
    console.rasa.say(console.ledger.get(duplicate).conversation_id, "kartu saya juga gagal")
    page = page_as(console, browser, "ani")
    page.goto(f"{console.url}/kasus/{duplicate}")
    page.get_by_label("Tandai duplikat dari tiket").fill(duplicate)
    page.get_by_role("button", name="Tandai duplikat").click()
    wait_text(page, ".error", "dirinya sendiri")
    page.get_by_label("Tandai duplikat dari tiket").fill(original.lower())
    page.get_by_role("button", name="Tandai duplikat").click()
    wait_text(page, ".notice", f"duplikat dari {original}")
    assert "digabung dengan aduan lain yang sama" in page.inner_text(".case-head")
    assert "ditandai duplikat dari" in page.inner_text(".events")
    page.click(f".duplicate-of >> text={original}")
    wait_text(page, "h1", original)
    assert page.locator(".merged-list a").all_inner_texts() == [duplicate]
    wait_text(page, ".merged", f"Percakapan dari {duplicate}")
    wait_text(page, ".merged .transcript", "kartu saya juga gagal")
    assert "digabungkan dengan" in page.inner_text(".events")
    page.context.close()
