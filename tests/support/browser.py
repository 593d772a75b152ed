"""The web chat page in the browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from devtools.servers import RunningBot


def open_chat(browser: Browser, running_bot: RunningBot) -> Page:
    """A new page with the bot's web chat, once it says it is online."""
    page = browser.new_page()
    page.goto(f"{running_bot.rasa_url}/webhooks/webchat/")
    page.wait_for_selector("#status[data-state=online]", timeout=15000)
    return page


def send(page: Page, text: str) -> None:
    """Type ``text`` into the chat and press Enter."""
    page.fill("#input", text)
    page.press("#input", "Enter")
